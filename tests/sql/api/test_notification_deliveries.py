"""Delivery rules in SQL: planning with each outbox row (internal.plan_notification_
deliveries through the trigger), the worker's claim and record (api.claim_notification_
deliveries, api.record_notification_attempt), endpoints and their secrets, preferences,
resending, and the event JSON (internal.notification_event)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from tests.helpers import as_role, as_tenant
from tests.sql.conftest import T0, Api

URL = "https://hooks.example.test/ratecard"


def tenant(api: Api, name: str = "Acme", email: str | None = "billing@acme.test") -> UUID:
    return api.service("select api.create_tenant(%s, %s) as id", name, email)[0]["id"]


def endpoint(api: Api, t: UUID | None, types: list[str] | None = None, url: str = URL) -> dict:
    if t is None:
        return api.admin(
            "select * from api.create_platform_webhook_endpoint(%s, %s)", url, types or []
        )[0]
    return api.service(
        "select * from api.create_webhook_endpoint(%s, %s, %s)", t, url, types or []
    )[0]


def deliveries(api: Api, **where: Any) -> list[dict[str, Any]]:
    cond = " and ".join(f"{k} = %s" for k in where) or "true"
    return api.admin(
        f"select * from api.notification_deliveries where {cond}"
        " order by notification_id, channel, target, platform",
        *where.values(),
    )


def claim(api: Api, worker: str = "w1", limit: int = 10) -> list[dict[str, Any]]:
    return api.service("select * from api.claim_notification_deliveries(%s, %s, 60)", worker, limit)


def record(api: Api, d: dict, code: int | None, error: str | None = None, *, worker: str = "w1",
           retry_after: int | None = None) -> str:  # fmt: skip
    return api.service(
        "select api.record_notification_attempt(%s, %s, %s, %s, %s, %s) as s",
        d["tenant_id"], d["delivery_id"], worker, code, error, retry_after,
    )[0]["s"]  # fmt: skip


@pytest.fixture
def at_t0(catalog: Api) -> Api:
    catalog.set_clock(T0)
    return catalog


def test_each_outbox_row_is_planned_once_per_channel_and_target(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api)
    b = tenant(api, "Beta")
    mine = endpoint(api, a, ["threshold"])
    endpoint(api, a, ["payment_failed"])  # not this type
    platform = endpoint(api, None)
    endpoint(api, b)  # another tenant's
    api.service(
        "select api.set_notification_settings(%s, array['CFO@Acme.test', 'billing@acme.test'])", a
    )
    api.consume(a, "calls", 8)
    rows = deliveries(api)
    assert [(r["channel"], r["target"], r["platform"]) for r in rows] == [
        ("email", "billing@acme.test", False),
        ("email", "cfo@acme.test", False),
        ("webhook", URL, False),
        ("webhook", URL, True),
    ]
    assert {r["endpoint_id"] for r in rows} == {None, mine["endpoint_id"], platform["endpoint_id"]}
    # planning again adds nothing
    note = rows[0]["notification_id"]
    assert api.scalar("select internal.plan_notification_deliveries(%s, %s)", a, note) == 0
    # one deliver_notifications run for the transaction, woken at commit
    runs = api.admin("select job, dedupe_key from api.job_runs where job = 'deliver_notifications'")
    assert len(runs) == 1 and runs[0]["dedupe_key"].startswith("tx:")


def test_preferences_choose_types_per_channel_but_not_for_platform_endpoints(
    at_t0: Api,
) -> None:
    api = at_t0
    a = tenant(api)
    endpoint(api, a)
    endpoint(api, None)
    api.service("select api.set_notification_settings(%s, '{}', '{}', '{payment_failed}')", a)
    api.consume(a, "calls", 8)
    assert [(r["channel"], r["platform"]) for r in deliveries(api)] == [("webhook", True)]
    # no tenant email, no settings: webhooks only
    c = tenant(api, "NoMail", None)
    api.consume(c, "calls", 8)
    assert [r["channel"] for r in deliveries(api, tenant_id=c)] == ["webhook"]


def test_settings_are_checked(at_t0: Api, sqlstate: Callable) -> None:
    api = at_t0
    a = tenant(api)
    for args in (
        (a, ["nope"], None, None),
        (a, [f"x{i}@a.test" for i in range(21)], None, None),
        (a, [], ["thresholds"], None),
        (a, [], None, ["threshold", None]),
    ):
        with pytest.raises(psycopg.Error) as e:
            api.service("select * from api.set_notification_settings(%s, %s, %s, %s)", *args)
        assert sqlstate(e) == "RC005", args
    with pytest.raises(psycopg.Error) as e:
        api.service("select * from api.set_notification_settings(%s)", UUID(int=1))
    assert sqlstate(e) == "RC001"


def test_success_retry_and_the_end_of_the_schedule(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api, email=None)
    endpoint(api, a)
    api.consume(a, "calls", 8)
    (d,) = claim(api)
    assert d["attempt"] == 1 and d["secrets"][0].startswith("whsec_")
    assert d["event"]["type"] == "threshold" and d["event"]["id"].startswith("ntf_")
    assert claim(api) == []  # leased
    assert record(api, d, 302, "redirect not followed") == "pending"
    (row,) = deliveries(api)
    gap = (row["next_attempt_at"] - row["last_attempt_at"]).total_seconds()
    assert 4.5 <= gap <= 5.5
    runs = api.admin(
        "select run_at from api.job_runs where dedupe_key = %s", f"retry:{d['delivery_id']}:1"
    )
    assert runs == [{"run_at": row["next_attempt_at"]}]  # the worker comes back then
    assert claim(api) == []  # not due yet
    for attempt in range(2, 9):
        api.set_clock(row["next_attempt_at"])
        (d,) = claim(api)
        assert d["attempt"] == attempt
        status = record(api, d, 500, "HTTP 500")
        (row,) = deliveries(api)
        assert status == ("pending" if attempt < 8 else "failed")
    assert row["status"] == "failed" and row["attempts"] == 8 and row["next_attempt_at"] is None
    outcomes = api.admin(
        "select outcome, count(*) as n from core.notification_attempts group by 1 order by 1"
    )
    assert outcomes == [{"outcome": "failed", "n": 1}, {"outcome": "retry", "n": 7}]


def test_retry_after_is_honoured_and_capped(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api, email=None)
    endpoint(api, a)
    api.consume(a, "calls", 8)
    (d,) = claim(api)
    record(api, d, 429, "HTTP 429", retry_after=3600)
    (row,) = deliveries(api)
    assert row["next_attempt_at"] - row["last_attempt_at"] == timedelta(hours=1)
    api.set_clock(row["next_attempt_at"])
    (d,) = claim(api)
    record(api, d, 503, "HTTP 503", retry_after=10**8)
    (row,) = deliveries(api)
    assert row["next_attempt_at"] - row["last_attempt_at"] == timedelta(hours=24)


def test_only_2xx_succeeds_and_smtp_5xx_is_permanent(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api)
    api.service("select api.set_notification_settings(%s, array['two@acme.test'])", a)
    api.consume(a, "calls", 8)
    first, second = claim(api)
    assert record(api, first, 250) == "succeeded"
    assert record(api, second, 550, "mailbox unavailable") == "failed"
    note = api.admin("select delivered_at from api.notifications")[0]
    assert note["delivered_at"] is not None  # nothing left to send
    api.consume(a, "calls", 1)  # 90%: nothing
    api.consume(a, "calls", 1)  # 100%... 95% first
    d = claim(api)[0]
    assert record(api, d, 451, "try later") == "pending"


def test_410_disables_the_endpoint_and_cancels_what_is_queued_for_it(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api, email=None)
    ep = endpoint(api, a)
    api.consume(a, "calls", 8)
    api.consume(a, "calls", 2)  # 95% and 100% queued behind the 80% one
    (d,) = claim(api)  # one at a time per tenant and endpoint
    assert d["event"]["data"]["threshold"] == 80
    assert record(api, d, 410, "HTTP 410") == "failed"
    assert [r["status"] for r in deliveries(api)] == ["failed", "canceled", "canceled"]
    (e,) = api.admin("select * from api.webhook_endpoints")
    assert (e["endpoint_id"], e["enabled"], e["disabled_reason"]) == (
        ep["endpoint_id"], False, "410 Gone",
    )  # fmt: skip


def test_a_lost_lease_goes_back_to_the_queue_and_the_old_worker_is_ignored(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api, email=None)
    endpoint(api, a)
    api.consume(a, "calls", 8)
    (d,) = claim(api, "w1")
    api.set_clock(T0 + timedelta(seconds=61))
    (again,) = claim(api, "w2")
    assert again["delivery_id"] == d["delivery_id"] and again["attempt"] == 2
    assert record(api, d, 200, worker="w1") == "lost"
    assert record(api, again, 200, worker="w2") == "succeeded"
    attempts = api.admin(
        "select attempt, worker, outcome from core.notification_attempts order by attempt"
    )
    assert attempts == [
        {"attempt": 1, "worker": "w1", "outcome": None},
        {"attempt": 2, "worker": "w2", "outcome": "succeeded"},
    ]


def test_a_lease_lost_on_the_last_attempt_fails_the_delivery(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api, email=None)
    endpoint(api, a)
    api.consume(a, "calls", 8)
    api.scalar("update core.notification_deliveries set max_attempts = 1 returning 1")
    claim(api)
    api.set_clock(T0 + timedelta(minutes=2))
    assert claim(api) == []
    (row,) = deliveries(api)
    assert row["status"] == "failed"
    assert row["last_error"] == "the worker stopped before recording attempt 1"


def test_secrets_rotate_and_are_readable_by_no_role(at_t0: Api, db: psycopg.Connection) -> None:
    api = at_t0
    a = tenant(api, email=None)
    ep = endpoint(api, a)
    assert ep["secret"].startswith("whsec_") and len(ep["secret"]) == 50
    new = api.service("select * from api.rotate_webhook_secret(%s, %s)", a, ep["endpoint_id"])[0]
    assert new["secret"] != ep["secret"]
    api.consume(a, "calls", 8)
    (d,) = claim(api)
    assert d["secrets"] == [new["secret"], ep["secret"]]  # both sign for 24 hours
    record(api, d, 500)
    api.set_clock(T0 + timedelta(hours=24, seconds=1))
    (d,) = claim(api)
    assert d["secrets"] == [new["secret"]]
    for role in ("ratecard_tenant", "ratecard_admin", "ratecard_service"):
        for column in ("secret", "previous_secret", "*"):
            with db.transaction():
                as_tenant(db, a) if role == "ratecard_tenant" else as_role(db, role)
                with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
                    db.execute(f"select {column} from core.webhook_endpoints")


def test_endpoints_belong_to_their_tenant(at_t0: Api, sqlstate: Callable) -> None:
    api = at_t0
    a = tenant(api)
    b = tenant(api, "Beta")
    ep = endpoint(api, a)
    platform = endpoint(api, None)
    for call, args in (
        ("select api.delete_webhook_endpoint(%s, %s)", (b, ep["endpoint_id"])),
        ("select api.delete_webhook_endpoint(%s, %s)", (a, platform["endpoint_id"])),
        ("select * from api.rotate_webhook_secret(%s, %s)", (b, ep["endpoint_id"])),
    ):
        with pytest.raises(psycopg.Error) as e:
            api.service(call, *args)
        assert sqlstate(e) == "RC028"
    with pytest.raises(psycopg.Error) as e:
        api.service("select * from api.create_webhook_endpoint(%s, %s)", UUID(int=7), URL)
    assert sqlstate(e) == "RC001"
    for url in ("ftp://x.test/", "https://u:p@x.test/", "https:///nohost", "https://x.test/a b"):
        with pytest.raises(psycopg.Error) as e:
            api.service("select * from api.create_webhook_endpoint(%s, %s)", a, url)
        assert sqlstate(e) == "RC030", url
    with pytest.raises(psycopg.Error) as e:
        api.service("select * from api.create_webhook_endpoint(%s, %s, '{nope}')", a, URL)
    assert sqlstate(e) == "RC005"
    # deleting cancels what was not sent yet
    api.consume(a, "calls", 8)
    api.admin("select api.admin_delete_webhook_endpoint(%s)", platform["endpoint_id"])
    statuses = {(r["channel"], r["platform"]): r["status"] for r in deliveries(api)}
    assert statuses == {
        ("email", False): "pending",
        ("webhook", False): "pending",
        ("webhook", True): "canceled",
    }


def test_a_tenant_sees_its_deliveries_but_not_the_platforms(
    at_t0: Api, db: psycopg.Connection
) -> None:
    api = at_t0
    a = tenant(api)
    b = tenant(api, "Beta")
    endpoint(api, None)
    api.consume(a, "calls", 8)
    api.consume(b, "calls", 8)
    with db.transaction():
        as_tenant(db, a)
        rows = db.execute("select tenant_id, channel from api.notification_deliveries").fetchall()
    assert rows == [(a, "email")]


def test_resend_plans_what_is_missing_and_requeues_what_ended(
    at_t0: Api, sqlstate: Callable
) -> None:
    api = at_t0
    a = tenant(api)
    api.consume(a, "calls", 8)
    (d,) = claim(api)
    record(api, d, 250)
    endpoint(api, a)  # registered after the notification
    note = d["notification_id"]
    assert api.admin("select api.resend_notification(%s) as n", note) == [{"n": 2}]
    rows = deliveries(api)
    assert [(r["channel"], r["status"], r["max_attempts"]) for r in rows] == [
        ("email", "pending", 9),
        ("webhook", "pending", 8),
    ]
    assert api.admin("select api.resend_notification(%s) as n", note) == [{"n": 0}]
    # a resent delivery's retries start the schedule again: 5 s after its first failure
    email = next(c for c in claim(api) if c["channel"] == "email")
    assert email["attempt"] == 2
    assert record(api, email, 451, "try later") == "pending"
    (row,) = deliveries(api, channel="email")
    assert 4.5 <= (row["next_attempt_at"] - row["last_attempt_at"]).total_seconds() <= 5.5
    with pytest.raises(psycopg.Error) as e:
        api.admin("select api.resend_notification(%s)", 10**12)
    assert sqlstate(e) == "RC029"


def test_retry_delays_follow_the_standard_webhooks_schedule(db: psycopg.Connection) -> None:
    rows = db.execute(
        "select n, extract(epoch from internal.notification_retry_delay(n))"
        " from generate_series(1, 8) n, generate_series(1, 50)"
    ).fetchall()
    expected = {1: 5, 2: 300, 3: 1800, 4: 7200, 5: 18000, 6: 36000, 7: 36000}
    for n, secs in rows:
        if n == 8:
            assert secs is None
        else:
            assert expected[n] * 0.9 <= float(secs) <= expected[n] * 1.1
    spread = {float(s) for n, s in rows if n == 2}
    assert len(spread) > 40  # jitter


def test_event_json_of_a_soft_limit_and_a_downgrade(at_t0: Api) -> None:
    api = at_t0
    a = tenant(api)
    api.service("select * from api.consume(%s, 'storage_bytes', 1050)", a)  # free: soft, 10%
    e = api.scalar(
        "select internal.notification_event(tenant_id, notification_id)"
        " from core.notifications order by notification_id desc limit 1"
    )
    assert e["type"] == "threshold" and e["tenant"] == str(a)
    assert set(e) == {"type", "id", "tenant", "occurred_at", "data"}
    data = e["data"]
    assert (data["threshold"], data["used"], data["limit"]) == (100, 1050, 1000)
    assert (data["overage"], data["allowed_up_to"], data["plan"]) == ("soft", 1100, "free")
    assert data["resets_at"] is None and data["unit"] == "bytes"
    assert data["grace_until"] == "2026-03-08T12:00:00+00:00"  # 7 days of grace
    api.scalar(
        "select internal.notify(%s, 'downgrade_scheduled', jsonb_build_object('from', 'pro',"
        " 'to', 'free', 'interval', 'month', 'at', '2026-04-01T00:00:00Z'::timestamptz))",
        a,
    )
    e = api.scalar(
        "select internal.notification_event(tenant_id, notification_id)"
        " from core.notifications where kind = 'downgrade_scheduled'"
    )
    assert (e["data"]["from_name"], e["data"]["to_name"]) == ("Pro", "Free")
    assert e["data"]["at"] == "2026-04-01T00:00:00+00:00"
