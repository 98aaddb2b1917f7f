"""Usage reports in SQL: which ledger rows are billed and claimed (api.claim_usage_reports,
internal.claim_usage_reports), concurrent claims, corrections that replace or go negative,
what the worker is handed (api.usage_reports_to_send: too old, unconfirmed), Stripe's
answers (api.mark_usage_report) and an operator's decisions (api.resolve_usage_report)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api

T0 = datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC)


@pytest.fixture
def billed(catalog: Api) -> Api:
    """The test catalog with a meter for `tokens` (billed on pro: 5000 included) and a
    price of a cent per token past them."""
    catalog.admin("select api.set_overage_price('pro', 'tokens', 1)")
    catalog.admin(
        "select api.record_stripe_catalog(%s)",
        Jsonb([{"object": "meter", "key": "tokens", "stripe_id": "mtr_t", "feature": "tokens"}]),
    )
    catalog.set_clock(T0)
    return catalog


def customer(api: Api, plan: str = "pro", cus: str | None = "cus_1", name: str = "t") -> Any:
    t = api.tenant(name, plan)
    if cus:
        api.conn.execute(
            "update core.tenants set stripe_customer_id = %s where tenant_id = %s", (cus, t)
        )
    return t


def record(api: Api, t: Any, amount: int, key: str, at: datetime | None = None) -> None:
    api.service("select api.record_usage(%s, 'tokens', %s, %s, %s)", t, amount, key, at)


def claim(api: Api, t: Any) -> int:
    return api.service("select api.claim_usage_reports(%s) as n", t)[0]["n"]


def reports(api: Api, t: Any) -> list[dict[str, Any]]:
    return api.admin("select * from api.usage_reports where tenant_id = %s order by report_id", t)


def to_send(api: Api, t: Any) -> list[dict[str, Any]]:
    return api.service("select * from api.usage_reports_to_send(%s) order by report_id", t)


def mark(api: Api, t: Any, report: int, outcome: str, error: str | None = None) -> str:
    return api.service(
        "select api.mark_usage_report(%s, %s, %s, %s) as s", t, report, outcome, error
    )[0]["s"]


def test_only_billed_rows_of_tenants_with_a_customer_are_claimed(billed: Api) -> None:
    t = customer(billed)
    record(billed, t, 700, "a")
    billed.consume(t, "tokens", 300, "b")
    billed.consume(t, "calls", 5)  # calls: block on pro, not billed
    free = customer(billed, "free", "cus_free", "free")  # free bills tokens too
    record(billed, free, 10, "f")
    nobody = customer(billed, cus=None, name="n")  # no Stripe customer yet
    record(billed, nobody, 10, "n")
    assert billed.scalar(
        "select array_agg(billed order by amount) from core.usage_events where tenant_id = %s", t
    ) == [False, True, True]
    assert claim(billed, t) == 1
    (r,) = reports(billed, t)
    assert (r["feature"], r["value"], r["event_value"], r["events"], r["status"]) == (
        "tokens",
        1000,
        1000,
        2,
        "pending",
    )
    assert r["event_name"] == "ratecard_tokens" and r["stripe_customer_id"] == "cus_1"
    assert r["identifier"] == f"rcu_{str(t).replace('-', '')}_{r['report_id']}"
    assert claim(billed, t) == 0  # claimed once
    assert claim(billed, nobody) == 0 and reports(billed, nobody) == []
    assert (
        billed.scalar(
            "select count(*) from core.usage_events where tenant_id = %s and report_id is null"
            " and billed",
            nobody,
        )
        == 1
    )


def test_one_report_per_period_stamped_inside_it(billed: Api) -> None:
    t = customer(billed)
    anchor = datetime(2026, 3, 1, 8, 15, 30, tzinfo=UTC)  # the period starts inside a minute
    billed.conn.execute(
        "update core.subscriptions set current_period_start = %s where tenant_id = %s", (anchor, t)
    )
    record(billed, t, 5, "old", anchor - timedelta(days=3))  # the period before
    record(billed, t, 7, "new", anchor + timedelta(seconds=1))
    record(billed, t, 9, "future", T0 + timedelta(hours=1))  # not occurred yet: waits
    assert claim(billed, t) == 2
    old, new = reports(billed, t)
    assert (old["value"], new["value"]) == (5, 7)
    assert old["period_end"] == new["period_start"] == anchor
    # the event is stamped at its latest row, but inside the period's first whole minute
    minute = anchor.replace(second=0, microsecond=0) + timedelta(minutes=1)
    assert new["event_at"] == minute
    assert old["event_at"] == (anchor - timedelta(days=3)).replace(microsecond=0)
    billed.set_clock(T0 + timedelta(hours=2))
    assert claim(billed, t) == 1 and reports(billed, t)[-1]["value"] == 9


def test_concurrent_claims_take_each_row_once(billed: Api, connect) -> None:
    t = customer(billed)
    for i in range(300):
        record(billed, t, 1, f"k{i}")
    barrier = threading.Barrier(4)
    made: list[int] = []

    def one_claim() -> None:
        with connect() as conn:
            barrier.wait()
            with conn.transaction():
                conn.execute("set local role ratecard_service")
                made.append(conn.execute("select api.claim_usage_reports(%s)", (t,)).fetchone()[0])

    threads = [threading.Thread(target=one_claim) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(made) == [0, 0, 0, 1]
    assert [(r["value"], r["events"]) for r in reports(billed, t)] == [(300, 300)]


def test_zero_and_negative_reports(billed: Api) -> None:
    t = customer(billed)
    record(billed, t, 40, "a")
    billed.admin("select * from api.correct_usage(%s, 'tokens', -40, 'x', 'c1')", t)
    assert claim(billed, t) == 1
    (zero,) = reports(billed, t)
    assert (zero["value"], zero["event_value"], zero["status"], zero["delivery"]) == (
        0,
        None,
        "sent",
        "nothing",
    )
    record(billed, t, 100, "b")
    claim(billed, t)
    (sent,) = to_send(billed, t)
    assert mark(billed, t, sent["report_id"], "created") == "sent"
    # within 23 hours of the first attempt: the correction replaces that event
    billed.set_clock(T0 + timedelta(hours=22))
    billed.admin("select * from api.correct_usage(%s, 'tokens', -30, 'x', 'c2')", t)
    claim(billed, t)
    (repl,) = to_send(billed, t)
    assert (repl["cancel_identifier"], repl["event_value"]) == (sent["identifier"], 70)
    assert mark(billed, t, repl["report_id"], "canceled") == "pending"
    (again,) = to_send(billed, t)  # a crash after the cancel: not cancelled twice
    assert (again["cancel_identifier"], again["event_value"]) == (None, 70)
    assert mark(billed, t, repl["report_id"], "created") == "sent"
    # later than that: a negative event
    billed.set_clock(T0 + timedelta(hours=46))
    billed.admin("select * from api.correct_usage(%s, 'tokens', -20, 'x', 'c3')", t)
    claim(billed, t)
    (neg,) = to_send(billed, t)
    assert (neg["cancel_identifier"], neg["event_value"]) == (None, -20)
    # a refused cancel turns into a negative event
    mark(billed, t, neg["report_id"], "created")
    record(billed, t, 50, "c")
    claim(billed, t)
    (fresh,) = to_send(billed, t)
    mark(billed, t, fresh["report_id"], "created")
    billed.admin("select * from api.correct_usage(%s, 'tokens', -5, 'x', 'c4')", t)
    claim(billed, t)
    (r,) = to_send(billed, t)
    assert r["cancel_identifier"] is not None
    assert mark(billed, t, r["report_id"], "cancel_refused", "too late") == "pending"
    (r,) = to_send(billed, t)
    assert (r["cancel_identifier"], r["event_value"]) == (None, -5)


def test_reports_stripe_would_refuse_or_may_have_are_flagged(billed: Api) -> None:
    t = customer(billed)
    record(billed, t, 3, "old", T0 - timedelta(days=35))
    record(billed, t, 4, "new")
    claim(billed, t)
    (sendable,) = to_send(billed, t)  # the 35-day-old one is flagged, not handed out
    old = reports(billed, t)[0]
    assert (old["status"], old["flag_reason"]) == ("flagged", "too_old")
    assert (sendable["value"] if "value" in sendable else sendable["event_value"]) == 4
    assert mark(billed, t, sendable["report_id"], "failed", "503") == "pending"
    billed.set_clock(T0 + timedelta(hours=23, seconds=1))
    assert to_send(billed, t) == []
    r = reports(billed, t)[1]
    assert (r["status"], r["flag_reason"], r["attempts"]) == ("flagged", "unconfirmed", 1)
    # an operator: Stripe's summary has it
    out = billed.admin(
        "select * from api.resolve_usage_report(%s, %s, 'delivered', 'in the summary')",
        t,
        r["report_id"],
    )
    assert out == [{"report_id": r["report_id"], "status": "sent"}]
    assert reports(billed, t)[1]["delivery"] == "confirmed"


@pytest.mark.parametrize(
    ("action", "note", "state"),
    [("retry", "x", "RC038"), ("again", "x", "RC005"), ("retry", "", "RC005")],
)
def test_resolve_refuses(billed: Api, sqlstate, action: str, note: str, state: str) -> None:
    t = customer(billed)
    record(billed, t, 3, "a")
    claim(billed, t)
    rid = reports(billed, t)[0]["report_id"]
    with pytest.raises(psycopg.Error) as info:
        billed.admin("select * from api.resolve_usage_report(%s, %s, %s, %s)", t, rid, action, note)
    assert sqlstate(info) == state
    with pytest.raises(psycopg.Error) as info:
        billed.admin("select * from api.resolve_usage_report(%s, 0, 'retry', 'x')", t)
    assert sqlstate(info) == "RC037"


def test_mark_refuses_unknown_outcomes_and_reports(billed: Api, sqlstate) -> None:
    t = customer(billed)
    with pytest.raises(psycopg.Error) as info:
        mark(billed, t, 1, "maybe")
    assert sqlstate(info) == "RC005"
    with pytest.raises(psycopg.Error) as info:
        mark(billed, t, 1, "created")
    assert sqlstate(info) == "RC037"
    with pytest.raises(psycopg.Error) as info:
        billed.service("select api.claim_usage_reports(gen_random_uuid())")
    assert sqlstate(info) == "RC001"


def test_tenants_read_their_own_reports_only(billed: Api, db: psycopg.Connection) -> None:
    a, b = customer(billed, name="a"), customer(billed, cus="cus_2", name="b")
    for t in (a, b):
        record(billed, t, 1, "k")
        claim(billed, t)
    with db.transaction():
        db.execute("set local role ratecard_tenant")
        db.execute("select set_config('ratecard.tenant_id', %s, true)", (str(a),))
        rows = db.cursor(row_factory=dict_row).execute("select * from api.usage_reports").fetchall()
    assert {r["tenant_id"] for r in rows} == {a}
