"""Edge cases found in review, each pinned by a test."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_billing_period_end_counts_from_the_anchor(catalog: Api) -> None:
    catalog.set_clock(at(2026, 1, 31, 12))
    t = catalog.tenant(plan="pro")
    catalog.set_clock(at(2026, 3, 29))
    e = catalog.entitlement(t, "tokens")
    assert (e["period_start"], e["period_end"]) == (at(2026, 2, 28, 12), at(2026, 3, 31, 12))


def test_yearly_plan_resets_yearly(catalog: Api) -> None:
    catalog.set_clock(at(2026, 1, 15))
    catalog.admin("select api.define_plan('annual', 'Annual', 99000, p_interval => 'year')")
    catalog.admin("select api.set_plan_limit('annual', 'tokens', 100)")
    t = catalog.tenant(plan="annual")
    assert catalog.entitlement(t, "tokens")["period_end"] == at(2027, 1, 15)
    other = catalog.tenant()
    catalog.admin("select api.assign_plan(%s, 'annual')", other)
    assert (
        catalog.scalar(
            "select billing_interval from core.subscriptions where tenant_id = %s", other
        )
        == "year"
    )


def test_redefining_a_plan_keeps_its_default_mark(catalog: Api) -> None:
    catalog.admin("select api.define_plan('free', 'Free forever', 0)")
    assert catalog.scalar("select is_default from core.plans where code = 'free'") is True
    t = catalog.tenant()
    assert catalog.entitlement(t, "calls")["limit"] == 10


def test_tracking_a_new_object_twice_at_once_counts_it_once(catalog: Api, connect) -> None:
    t = catalog.tenant(plan="pro")
    conns = [connect() for _ in range(8)]
    barrier = threading.Barrier(len(conns))

    def run(conn: psycopg.Connection) -> None:
        barrier.wait()
        conn.execute("select api.track_object(%s, 'same.bin', 1000, 'upload')", (t,))

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert catalog.entitlement(t, "storage_bytes")["used"] == 1000


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


@pytest.mark.parametrize("second", [{"amount": 2}, {"feature": "calls"}])
def test_batch_rejects_a_key_reused_for_another_request(catalog: Api, sqlstate, second) -> None:
    t = catalog.tenant()
    first = {"tenant_id": str(t), "feature": "tokens", "amount": 1, "idempotency_key": "k"}
    with pytest.raises(psycopg.Error) as info:
        catalog.service(
            "select * from api.record_usage_batch(%s::jsonb)", Jsonb([first, first | second])
        )
    assert sqlstate(info) == "RC006"
    catalog.service("select * from api.record_usage_batch(%s::jsonb)", Jsonb([first]))
    with pytest.raises(psycopg.Error) as info:
        catalog.service("select * from api.record_usage_batch(%s::jsonb)", Jsonb([first | second]))
    assert sqlstate(info) == "RC006"
    assert catalog.entitlement(t, "tokens")["used"] == 1


def test_batch_bad_timestamp_is_a_data_error(catalog: Api) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.errors.InvalidDatetimeFormat):
        catalog.service(
            "select * from api.record_usage_batch(%s::jsonb)",
            Jsonb(
                [
                    {
                        "tenant_id": str(t),
                        "feature": "tokens",
                        "amount": 1,
                        "idempotency_key": "k",
                        "occurred_at": "yesterday-ish",
                    }
                ]
            ),
        )


def test_override_on_a_switch_has_no_limit(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'sso', 5)", t)
    e = catalog.entitlement(t, "sso")
    assert (e["enabled"], e["limit"], e["state"]) == (True, None, "ok")


@pytest.mark.parametrize(
    ("policy", "limit", "buffer", "used", "state"),
    [
        ("soft", 0, 5, 0, "blocked"),
        ("bill", 0, 0, 0, "ok"),
        ("soft", 10, 0, 10, "blocked"),
        ("soft", 10, 50, 10, "warning"),
        ("bill", 10, 0, 10, "warning"),
    ],
)
def test_state_says_blocked_when_nothing_more_is_allowed(
    catalog: Api, policy: str, limit: int, buffer: int, used: int, state: str
) -> None:
    catalog.admin("select api.define_feature('edge', 'metered')")
    catalog.admin(
        "select api.set_plan_limit('free', 'edge', %s, true, %s, %s)", limit, policy, buffer
    )
    t = catalog.tenant()
    if used:
        catalog.consume(t, "edge", used)
    e = catalog.entitlement(t, "edge")
    assert e["state"] == state
    assert catalog.check(t, "edge", 0) is (state != "blocked")


def test_feature_durability_cannot_change(catalog: Api, sqlstate) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.define_feature('hourly', 'metered', 'hour', p_durable => true)")
    assert sqlstate(info) == "RC005"
    for bad in (
        "select api.define_feature('x', 'gauge', p_name => '')",
        "select api.define_addon('y', 'Y', 0, 'usd', null)",
    ):
        with pytest.raises(psycopg.Error) as info:
            catalog.admin(bad)
        assert sqlstate(info) == "RC005"


def test_admin_can_suspend_and_restore_a_tenant(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_tenant_status(%s, 'suspended')", t)
    assert catalog.check(t, "calls") is False
    catalog.admin("select api.set_tenant_status(%s, 'active')", t)
    assert catalog.check(t, "calls") is True
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.set_tenant_status(%s, 'gone')", t)
    assert sqlstate(info) == "RC005"
