"""jobs/metering.py: billed usage reaches Stripe exactly once, with the real `stripe` client
against the stateful fake Stripe (demo catalog synced): the "done when" of metered billing,
duplicates after lost answers, rate limits, server errors and hangs, Stripe's windows,
corrections (cancel within 24 hours, negative events after), reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
import stripe

from jobs import metering
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import call
from tests.fake_stripe import DAY, FakeStripe
from tests.metered import Metered, at, demo_metered, settings_for


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def m(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> Metered:
    return demo_metered(db, dsn, fake)


def consume(m: Metered, tenant, amount: int, key: str) -> dict:
    return call(
        m.db,
        "select * from api.consume(%s::uuid, 'ai_tokens', %s::bigint, %s::text)",
        (tenant, amount, key),
        role="ratecard_service",
    )[0]


def test_done_when_pro_tenant_6m_tokens(m: Metered, fake: FakeStripe) -> None:
    pro = m.tenant("Pro Inc")
    m.subscribe(pro, "pro")
    for i in range(6):
        assert consume(m, pro, 1_000_000, f"job-{i}")["allowed"]
    assert m.send(pro) == {"claimed": 1, "created": 1}
    assert m.stripe_total(pro) == 6_000_000
    (event,) = fake.events
    assert event.identifier == m.reports(pro)[0]["identifier"]
    assert event.identifier.startswith("rcu_" + str(pro).replace("-", ""))
    est = m.billed(pro)
    assert (est["included"], est["used"], est["overage_units"], est["estimated_overage_cents"]) == (
        5_000_000,
        6_000_000,
        1_000_000,
        500,
    )
    assert est["price_source"] == "subscription" and est["currency"] == "usd"
    assert est["reported_up_to"] == m.reports(pro)[0]["claimed_at"]
    # what Stripe's price charges for its sum is the estimate
    assert fake.charge(est["price_id"], m.stripe_total(pro)) == est["estimated_overage_cents"]
    rows = m.reconcile(pro)
    assert [
        (r["ledger_units"], r["reported_units"], r["stripe_units"], r["status"]) for r in rows
    ] == [(6_000_000, 6_000_000, 6_000_000, "ok")]
    assert m.db.execute("select count(*) from core.usage_drift").fetchone() == (0,)
    # nothing more to send: a second run sends nothing
    assert m.send(pro) == {"claimed": 0}
    assert len(fake.events) == 1


def test_model_b_enterprise_pays_every_token(m: Metered, fake: FakeStripe) -> None:
    ent = m.tenant("Enterprise Inc")
    m.subscribe(ent, "enterprise")
    consume(m, ent, 1_234_567, "e-1")
    m.send(ent)
    est = m.billed(ent)
    assert (est["included"], est["overage_units"], est["estimated_overage_cents"]) == (
        0,
        1_234_567,
        2469,  # 1,234,567 x 0.002 cents = 2469.134 cents
    )
    assert fake.charge(est["price_id"], m.stripe_total(ent)) == 2469


def test_a_lost_answer_is_sent_again_and_counted_once(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Lost Inc")
    m.subscribe(t, "pro")
    consume(m, t, 700, "a")
    # Stripe records the event, then the answer is lost (a 500 after it took effect); the
    # client's own retries reuse the idempotency key and get the first answer replayed.
    fault = fake.fault(status=500, apply=True, times=3)
    with pytest.raises(stripe.APIError):
        m.send(t)
    assert fault.times == 0
    assert m.reports(t)[0]["status"] == "pending"
    assert m.stripe_total(t) == 700
    # next run: the same identifier and key; Stripe replays its answer: delivered, once
    assert m.send(t) == {"claimed": 0, "created": 1}
    assert m.stripe_total(t) == 700 and len(fake.events) == 1
    # after Stripe forgot the idempotency key (it keeps it 24 h), the identifier still
    # says duplicate
    m.db.execute("update core.usage_reports set status = 'pending', first_attempt_at = now()")
    fake._idempotency.clear()
    assert m.send(t) == {"claimed": 0, "duplicate": 1}
    assert m.stripe_total(t) == 700


def test_rate_limits_are_retried_with_backoff(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Busy Inc")
    m.subscribe(t, "pro")
    consume(m, t, 5, "a")
    fake.fault(status=429, times=3)
    waits: list[float] = []
    out = metering.send_usage_reports(m.db, m.client, str(t), sleep=waits.append)
    assert out == {"claimed": 1, "created": 1}
    assert len(waits) == 3 and waits[0] < waits[2]  # growing waits
    assert 0.25 <= waits[0] <= 0.75 and 1.0 <= waits[2] <= 3.0
    # beyond the backoff the attempt fails (the queue retries it later), nothing is lost
    consume(m, t, 6, "b")
    fake.fault(status=429, times=10)
    with pytest.raises(stripe.RateLimitError):
        metering.send_usage_reports(m.db, m.client, str(t), sleep=lambda s: None)
    assert m.reports(t)[-1]["status"] == "pending"
    assert "fault injected" in m.reports(t)[-1]["last_error"]
    fake.faults.clear()
    assert m.send(t)["created"] == 1 and m.stripe_total(t) == 11


def test_the_nth_request_fails_and_only_the_rest_is_sent_again(
    m: Metered, fake: FakeStripe
) -> None:
    t = m.tenant("Nth Inc")
    now = m.now()
    m.subscribe(t, "pro", period_start=now - 40 * DAY, period_end=now - 10 * DAY)
    m.record(t, "ai_tokens", 11, "last-period", at=at(now - 20 * DAY))
    m.record(t, "ai_tokens", 22, "this-period")
    fake.fault(status=500, nth=2, times=3)  # the second report's request (and retries) fail
    with pytest.raises(stripe.APIError):
        m.send(t)
    assert [r["status"] for r in m.reports(t)] == ["sent", "pending"]
    assert m.send(t) == {"claimed": 0, "created": 1}
    assert [e.value for e in fake.events] == [11, 22]
    assert [r["status"] for r in m.reconcile(t)] == ["ok", "ok"]


def test_a_hang_times_out_and_is_sent_again(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Slow Inc")
    m.subscribe(t, "pro")
    consume(m, t, 42, "a")
    # Stripe takes the event but answers later than the client waits (0.5 s here); the
    # client's retries get the same: the run fails, the report stays pending.
    m.client = gw.make_client(settings_for(fake), timeout=0.5)
    fake.fault(hang=1.0, apply=True, times=3)
    with pytest.raises(stripe.APIConnectionError):
        m.send(t)
    assert m.stripe_total(t) == 42
    fake.faults.clear()
    assert m.send(t) == {"claimed": 0, "created": 1}  # the replayed first answer
    assert m.stripe_total(t) == 42


def test_stripe_windows_too_old_and_unconfirmed_reports_are_flagged(
    m: Metered, fake: FakeStripe
) -> None:
    t = m.tenant("Late Inc")
    now = m.now()
    m.subscribe(t, "pro", period_start=now - 40 * DAY, period_end=now - 10 * DAY)
    # usage recorded 36 days late (last period): outside Stripe's 35 days, never dropped
    m.record(t, "ai_tokens", 10, "late", at=at(now - 36 * DAY))
    m.record(t, "ai_tokens", 20, "fresh")
    assert m.send(t) == {"claimed": 2, "created": 1}
    old = m.reports(t)[0]
    assert (old["status"], old["flag_reason"], old["value"]) == ("flagged", "too_old", 10)
    assert m.stripe_total(t) == 20
    rows = m.reconcile(t)
    assert [
        (r["ledger_units"], r["reported_units"], r["flagged_units"], r["status"]) for r in rows
    ] == [
        (10, 0, 10, "ok"),
        (20, 20, 0, "ok"),
    ]
    # an operator dismisses it, with a note; it stays visible
    m.db.execute(
        "select api.resolve_usage_report(%s, %s, 'dismiss',"
        " 'older than Stripe accepts; credited by hand')",
        (t, old["report_id"]),
    )
    assert m.reports(t)[0]["status"] == "dismissed"
    # a report attempted more than 23 hours ago and never confirmed is not sent again
    consume(m, t, 5, "c")
    fake.fault(status=500, times=3)
    with pytest.raises(stripe.APIError):
        m.send(t)
    m.db.execute(
        "update core.usage_reports set first_attempt_at = now() - interval '23 hours 1 minute'"
        " where status = 'pending'"
    )
    assert m.send(t) == {"claimed": 0}
    last = m.reports(t)[-1]
    assert (last["status"], last["flag_reason"]) == ("flagged", "unconfirmed")
    m.db.execute(
        "select api.resolve_usage_report(%s, %s, 'retry', 'not in the meter summary')",
        (t, last["report_id"]),
    )
    assert m.send(t)["created"] == 1 and m.stripe_total(t) == 25


def test_a_rejected_event_is_flagged(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Gone Inc")
    m.subscribe(t, "pro")
    fake.customers.clear()  # the customer was deleted in Stripe
    consume(m, t, 3, "a")
    assert m.send(t) == {"claimed": 1, "rejected": 1}
    r = m.reports(t)[0]
    assert (r["status"], r["flag_reason"]) == ("flagged", "rejected")
    assert "No such customer" in r["last_error"]


def test_corrections_cancel_within_24_hours_then_go_negative(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Fix Inc")
    m.subscribe(t, "pro")
    consume(m, t, 1000, "a")
    m.send(t)
    first = m.reports(t)[0]
    # within 24 hours: the event is cancelled by identifier and the remainder sent anew
    fix = m.correct(t, "ai_tokens", -300, "fix-1", "double-counted batch")
    assert (fix["duplicate"], fix["used"], fix["billed"]) == (False, 700, True)
    assert m.correct(t, "ai_tokens", -300, "fix-1")["duplicate"] is True  # once per key
    assert m.send(t) == {"claimed": 1, "created": 1}
    second = m.reports(t)[1]
    assert (second["value"], second["event_value"], second["cancels_report_id"]) == (
        -300,
        700,
        first["report_id"],
    )
    assert [(e.identifier, e.value, e.canceled) for e in fake.events] == [
        (first["identifier"], 1000, True),
        (second["identifier"], 700, False),
    ]
    assert m.stripe_total(t) == 700 == m.ledger_total(t) == m.billed(t)["used"]
    # a correction that exactly undoes a report sent within 24 hours is only a cancel
    m.correct(t, "ai_tokens", -700, "fix-2")
    assert m.send(t) == {"claimed": 1, "canceled": 1}
    assert m.stripe_total(t) == 0 == m.ledger_total(t)
    # later than Stripe allows (23 hours after the event's first attempt, to be safe): a
    # negative meter event
    consume(m, t, 500, "b")
    m.send(t)
    m.db.execute(
        "update core.usage_reports set first_attempt_at = first_attempt_at - interval '23 hours'"
    )
    m.correct(t, "ai_tokens", -200, "fix-3")
    assert m.send(t) == {"claimed": 1, "created": 1}
    assert fake.events[-1].value == -200
    assert m.stripe_total(t) == 300 == m.ledger_total(t) == m.billed(t)["used"]
    # corrections never take a period below zero
    with pytest.raises(psycopg.Error) as info:
        m.correct(t, "ai_tokens", -301, "fix-4")
    assert info.value.sqlstate == "RC036"
    assert [r["status"] for r in m.reconcile(t)] == ["ok"]


def test_a_refused_cancel_falls_back_to_a_negative_event(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Clock Inc")
    m.subscribe(t, "pro")
    consume(m, t, 100, "a")
    m.send(t)
    m.correct(t, "ai_tokens", -40, "fix")
    # Stripe's clock is past the 24 hours although ours is not: it refuses the cancel
    real = fake.clock
    fake.clock = lambda: real() + DAY + 60
    out = m.send(t)
    fake.clock = real
    assert out == {"claimed": 1, "cancel_refused": 1, "created": 1}
    assert [e.value for e in fake.events] == [100, -40]
    assert m.stripe_total(t) == 60 == m.ledger_total(t)


def test_reconciliation_finds_drift_and_records_it(m: Metered, fake: FakeStripe) -> None:
    t = m.tenant("Drift Inc")
    m.subscribe(t, "pro")
    consume(m, t, 1000, "a")
    m.send(t)
    fake.events[0].value = 1200  # Stripe holds more than Ratecard sent
    rows = m.reconcile(t, settle=timedelta(0))
    assert [(r["reported_units"], r["stripe_units"], r["status"]) for r in rows] == [
        (1000, 1200, "drift")
    ]
    drift = call(m.db, "select * from api.usage_drift", role="ratecard_admin")
    assert [(d["tenant_id"], d["stripe_difference"], d["resolved_at"]) for d in drift] == [
        (t, 200, None)
    ]
    fake.events[0].value = 1000
    assert [r["status"] for r in m.reconcile(t)] == ["ok"]
    drift = call(m.db, "select * from api.usage_drift", role="ratecard_admin")
    assert drift[0]["resolved_at"] is not None


def test_without_a_stripe_customer_nothing_is_claimed(m: Metered) -> None:
    t = m.tenant("Manual Inc")
    m.db.execute("select api.assign_plan(%s, 'pro')", (t,))
    consume(m, t, 10, "a")
    assert m.send(t) == {"claimed": 0}
    assert m.billed(t)["reported_up_to"] is not None  # stuck at its oldest unreported unit
    assert m.reports(t) == []
