"""api.consume: policies, idempotency, gauges, thresholds, errors (sql/api/consume.sql)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.conftest import Api

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def counts(api: Api, tenant) -> tuple[int, int, int]:
    return (
        api.scalar("select coalesce(sum(used), 0) from core.meters where tenant_id = %s", tenant),
        api.scalar("select count(*) from core.usage_events where tenant_id = %s", tenant),
        api.scalar("select count(*) from core.idempotency_keys where tenant_id = %s", tenant),
    )


def test_block_policy_stops_exactly_at_the_limit(catalog: Api) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant()
    results = [catalog.consume(t, "calls") for _ in range(12)]
    assert [r["allowed"] for r in results] == [True] * 10 + [False] * 2
    assert results[9] == {
        "allowed": True,
        "duplicate": False,
        "used": 10,
        "limit": 10,
        "remaining": 0,
        "state": "blocked",
        "resets_at": datetime(2026, 4, 1, tzinfo=UTC),
    }
    assert results[7]["state"] == "warning"  # 8 of 10
    assert results[6]["state"] == "ok"
    assert (
        catalog.scalar(
            "select sum(amount) from core.usage_events where tenant_id = %s and feature = 'calls'",
            t,
        )
        == 10
    )


def test_denied_amount_records_nothing(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.consume(t, "calls", 8)
    before = counts(catalog, t)
    r = catalog.consume(t, "calls", 3)
    assert (r["allowed"], r["used"], r["remaining"]) == (False, 8, 2)
    assert counts(catalog, t) == before


def test_idempotent_replay_returns_first_outcome(catalog: Api) -> None:
    t = catalog.tenant()
    first = catalog.consume(t, "calls", 4, "req-1")
    catalog.consume(t, "calls", 1)
    again = catalog.consume(t, "calls", 4, "req-1")
    assert first["duplicate"] is False and again["duplicate"] is True
    assert {k: v for k, v in again.items() if k != "duplicate"} == {
        k: v for k, v in first.items() if k != "duplicate"
    }
    assert catalog.scalar("select used from core.meters where tenant_id = %s", t) == 5


def test_replay_of_a_denial_stays_denied(catalog: Api) -> None:
    t = catalog.tenant()
    assert catalog.consume(t, "calls", 11, "big")["allowed"] is False
    catalog.admin("select api.set_override(%s, 'calls', 100)", t)
    again = catalog.consume(t, "calls", 11, "big")
    assert (again["allowed"], again["duplicate"]) == (False, True)
    assert catalog.consume(t, "calls", 11, "big-2")["allowed"] is True


def test_key_reused_for_another_request_is_rc006(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    catalog.consume(t, "calls", 1, "k")
    before = counts(catalog, t)
    with pytest.raises(psycopg.Error) as info:
        catalog.consume(t, "calls", 2, "k")
    assert sqlstate(info) == "RC006"
    assert counts(catalog, t) == before


@pytest.mark.parametrize(
    ("feature", "amount", "key", "state"),
    [
        ("calls", 0, None, "RC004"),
        ("calls", -1, None, "RC004"),
        ("nope", 1, None, "RC002"),
        ("sso", 1, None, "RC009"),
        ("calls", 1, "", "RC019"),
        ("calls", 1, "x" * 256, "RC019"),
        ("calls", 1, "with space", "RC019"),
        ("calls", 1, "caf\u00e9", "RC019"),
    ],
)
def test_bad_input_raises_and_changes_nothing(
    catalog: Api, sqlstate, feature: str, amount: int, key: str | None, state: str
) -> None:
    t = catalog.tenant()
    catalog.consume(t, "calls", 1)
    before = counts(catalog, t)
    with pytest.raises(psycopg.Error) as info:
        catalog.consume(t, feature, amount, key)
    assert sqlstate(info) == state
    assert info.value.diag.message_hint or info.value.diag.message_primary
    assert counts(catalog, t) == before


def test_unknown_tenant_is_rc001(catalog: Api, sqlstate) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.consume("00000000-0000-0000-0000-000000000001", "calls")
    assert sqlstate(info) == "RC001"


def test_bill_policy_always_allows_and_shows_over_limit(catalog: Api) -> None:
    t = catalog.tenant()
    r = catalog.consume(t, "tokens", 1500)
    assert (r["allowed"], r["used"], r["limit"], r["remaining"], r["state"]) == (
        True,
        1500,
        1000,
        0,
        "over_limit",
    )


def test_ledger_rows_of_a_billed_feature_are_marked_billed_on_both_paths(catalog: Api) -> None:
    """The first call of a period (the general path, which creates the meter) and the next
    ones (the one-statement path) mark the ledger row billed when the plan bills the
    feature, and only then."""
    catalog.set_clock(T0)
    t = catalog.tenant()
    for _ in range(3):
        assert catalog.consume(t, "tokens", 10)["allowed"]
        assert catalog.consume(t, "calls")["allowed"]
    rows = catalog.admin(
        "select feature, array_agg(billed order by recorded_at) as billed"
        "  from core.usage_events where tenant_id = %s group by feature order by feature",
        t,
    )
    assert rows == [
        {"feature": "calls", "billed": [False] * 3},
        {"feature": "tokens", "billed": [True] * 3},
    ]


def test_unlimited_allows_and_has_no_remaining(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    r = catalog.consume(t, "hourly", 10**9)
    assert (r["allowed"], r["limit"], r["remaining"], r["state"]) == (True, None, None, "ok")


def test_soft_limit_buffer_grace_and_recovery(catalog: Api) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant()  # free: storage 1000, soft, 10% buffer (cap 1100), 7 days grace
    assert catalog.consume(t, "storage_bytes", 1000)["state"] == "warning"
    over = catalog.consume(t, "storage_bytes", 50)
    assert (over["allowed"], over["state"]) == (True, "over_limit")
    ent = catalog.entitlement(t, "storage_bytes")
    assert ent["grace_until"] == T0 + timedelta(days=7)
    assert catalog.consume(t, "storage_bytes", 51)["allowed"] is False  # past the buffer
    assert catalog.consume(t, "storage_bytes", 50)["allowed"] is True  # exactly the cap
    catalog.set_clock(T0 + timedelta(days=6, hours=23))
    assert catalog.check(t, "storage_bytes", 0) is False  # at the cap: no room at all
    catalog.consume(t, "storage_bytes", -100)  # 1000: back at the limit, grace cleared
    assert catalog.entitlement(t, "storage_bytes")["grace_until"] is None
    assert catalog.consume(t, "storage_bytes", 10)["allowed"] is True  # new grace starts
    catalog.set_clock(T0 + timedelta(days=14, minutes=1))
    r = catalog.consume(t, "storage_bytes", 1)
    assert (r["allowed"], r["state"]) == (False, "blocked")  # grace over, still over limit
    catalog.consume(t, "storage_bytes", -20)  # 990: under the limit again
    assert catalog.consume(t, "storage_bytes", 1)["allowed"] is True


def test_gauge_release_never_goes_below_zero(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.consume(t, "members", 2)
    r = catalog.consume(t, "members", -5)
    assert (r["allowed"], r["used"]) == (True, 0)
    ledger = catalog.scalar(
        "select sum(amount) from core.usage_events where tenant_id = %s and feature = 'members'", t
    )
    assert ledger == 0  # +2 then -2: the ledger records what was actually released


def test_negative_amount_on_metered_feature_is_rejected(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.Error) as info:
        catalog.consume(t, "calls", -1)
    assert sqlstate(info) == "RC004"


def test_thresholds_once_per_period(catalog: Api) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant()

    def thresholds() -> list[tuple]:
        return catalog.conn.execute(
            "select threshold, period_start from core.notifications"
            " where tenant_id = %s and kind = 'threshold' order by period_start, threshold",
            (t,),
        ).fetchall()

    catalog.consume(t, "calls", 7)
    assert thresholds() == []
    catalog.consume(t, "calls", 1)  # 80%
    catalog.consume(t, "calls", 2)  # 100% (95% crossed on the way)
    march = datetime(2026, 3, 1, tzinfo=UTC)
    assert thresholds() == [(80, march), (95, march), (100, march)]
    catalog.consume(t, "calls", 1)  # denied, nothing new
    catalog.set_clock(datetime(2026, 4, 2, tzinfo=UTC))
    catalog.consume(t, "calls", 10)
    april = datetime(2026, 4, 1, tzinfo=UTC)
    assert thresholds() == [
        (80, march),
        (95, march),
        (100, march),
        (80, april),
        (95, april),
        (100, april),
    ]


def test_non_durable_counter_writes_no_ledger(catalog: Api) -> None:
    t = catalog.tenant()
    for _ in range(5):
        assert catalog.consume(t, "hourly")["allowed"] is True
    assert catalog.consume(t, "hourly")["allowed"] is False
    assert catalog.scalar("select count(*) from core.usage_events where feature = 'hourly'") == 0
    assert (
        catalog.scalar(
            "select used from core.volatile_meters where tenant_id = %s and feature = 'hourly'", t
        )
        == 5
    )
    assert (
        catalog.scalar(
            "select relpersistence from pg_class where oid = 'core.volatile_meters'::regclass"
        )
        == "u"
    )


def test_a_key_belongs_to_one_operation(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    catalog.service("select api.record_usage(%s::uuid, 'calls', 1, 'shared')", t)
    with pytest.raises(psycopg.Error) as info:
        catalog.consume(t, "calls", 1, "shared")
    assert sqlstate(info) == "RC006"
    assert catalog.consume(t, "calls", 20, "denied")["allowed"] is False
    with pytest.raises(psycopg.Error) as info:
        catalog.service("select api.record_usage(%s::uuid, 'calls', 20, 'denied')", t)
    assert sqlstate(info) == "RC006"


def test_resets_at_is_the_end_of_the_counting_period(catalog: Api) -> None:
    """An hourly rate limit opens again at the next hour; a gauge never resets."""
    catalog.set_clock(datetime(2026, 6, 1, 10, 59, 59, tzinfo=UTC))
    t = catalog.tenant()
    assert catalog.consume(t, "hourly", 5)["resets_at"] == datetime(2026, 6, 1, 11, tzinfo=UTC)
    denied = catalog.consume(t, "hourly")
    assert (denied["allowed"], denied["resets_at"]) == (
        False,
        datetime(2026, 6, 1, 11, tzinfo=UTC),
    )
    assert catalog.consume(t, "calls")["resets_at"] == datetime(2026, 7, 1, tzinfo=UTC)
    assert catalog.consume(t, "members")["resets_at"] is None
    catalog.set_clock(datetime(2026, 6, 1, 11, tzinfo=UTC))
    assert catalog.consume(t, "hourly")["resets_at"] == datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_resets_at_follows_the_billing_period(catalog: Api) -> None:
    catalog.set_clock(datetime(2026, 1, 31, 15, tzinfo=UTC))
    t = catalog.tenant(plan="pro")
    # Jan 31 + 1 month = Feb 28 (month-end clamp), at 15:00 UTC, as the entitlement says.
    r = catalog.consume(t, "tokens", 100)
    assert r["resets_at"] == datetime(2026, 2, 28, 15, tzinfo=UTC)
    assert r["resets_at"] == catalog.entitlement(t, "tokens")["period_end"]


def test_replay_answers_the_first_calls_resets_at(catalog: Api) -> None:
    catalog.set_clock(datetime(2026, 6, 1, 10, 30, tzinfo=UTC))
    t = catalog.tenant()
    first = catalog.consume(t, "hourly", 1, "req-h")
    catalog.set_clock(datetime(2026, 6, 1, 11, 30, tzinfo=UTC))
    again = catalog.consume(t, "hourly", 1, "req-h")
    assert (again["duplicate"], again["resets_at"]) == (True, first["resets_at"])
    assert again["resets_at"] == datetime(2026, 6, 1, 11, tzinfo=UTC)
