"""Effective limits: plans, seats, add-ons, overrides, default plan, status
(sql/internal/refresh_entitlements.sql, sql/api/get_entitlement.sql, list_entitlements.sql)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.conftest import Api

T0 = datetime(2026, 5, 20, 9, 30, tzinfo=UTC)


def test_tenant_without_subscription_is_on_default_plan(catalog: Api) -> None:
    t = catalog.tenant()
    e = catalog.entitlement(t, "calls")
    assert (e["limit"], e["enabled"], e["source"], e["kind"]) == (10, True, "plan", "metered")
    assert catalog.scalar("select plan from core.entitlements where tenant_id = %s limit 1", t) == (
        "free"
    )


def test_per_seat_limit_multiplies_by_seats(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    assert catalog.entitlement(t, "calls")["limit"] == 100
    catalog.admin("select api.assign_plan(%s, 'pro', 3)", t)
    assert catalog.entitlement(t, "calls")["limit"] == 300
    assert catalog.entitlement(t, "members")["limit"] == 10  # not per seat


def test_addon_grants_add_and_revocation_removes(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.admin("select api.grant_addon(%s, 'more_members', 2)", t)
    e = catalog.entitlement(t, "members")
    assert (e["limit"], e["source"]) == (13, "addon")
    catalog.admin("select api.revoke_addon(%s, 'more_members')", t)
    assert catalog.entitlement(t, "members")["limit"] == 3


def test_override_replaces_until_it_expires(catalog: Api) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'calls', 2, true, %s)", t, T0 + timedelta(days=1))
    e = catalog.entitlement(t, "calls")
    assert (e["limit"], e["source"]) == (2, "override")
    assert catalog.consume(t, "calls", 3)["allowed"] is False
    catalog.set_clock(T0 + timedelta(days=1, seconds=1))
    e = catalog.entitlement(t, "calls")
    assert (e["limit"], e["source"]) == (10, "plan")
    assert catalog.consume(t, "calls", 3)["allowed"] is True


def test_override_can_disable_or_unlimit(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'calls', null)", t)
    assert catalog.entitlement(t, "calls")["limit"] is None
    assert catalog.consume(t, "calls", 1000)["allowed"] is True
    catalog.admin("select api.set_override(%s, 'calls', null, false)", t)
    assert catalog.entitlement(t, "calls")["state"] == "disabled"
    assert catalog.consume(t, "calls")["allowed"] is False
    catalog.admin("select api.clear_override(%s, 'calls')", t)
    assert catalog.entitlement(t, "calls")["limit"] == 10


def test_override_in_the_past_is_rejected(catalog: Api, sqlstate) -> None:
    catalog.set_clock(T0)
    t = catalog.tenant()
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.set_override(%s, 'calls', 1, true, %s)", t, T0)
    assert sqlstate(info) == "RC005"


def test_canceled_subscription_falls_back_to_default_plan(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    assert catalog.check(t, "sso") is True
    catalog.conn.execute(
        "update core.subscriptions set status = 'canceled' where tenant_id = %s", (t,)
    )
    assert catalog.check(t, "sso") is False
    assert catalog.entitlement(t, "calls")["limit"] == 10


def test_suspended_tenant_has_everything_disabled(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    catalog.conn.execute("update core.tenants set status = 'suspended' where tenant_id = %s", (t,))
    states = {
        r["feature"]: r["state"]
        for r in catalog.service("select * from api.list_entitlements(%s::uuid)", t)
    }
    assert set(states.values()) == {"disabled"}
    assert catalog.consume(t, "calls")["allowed"] is False


def test_plan_limit_change_reaches_tenants_at_once(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.consume(t, "calls", 10)
    catalog.admin("select api.set_plan_limit('free', 'calls', 20)")
    assert catalog.check(t, "calls", 10) is True
    catalog.admin("select api.remove_plan_limit('free', 'calls')")
    assert catalog.entitlement(t, "calls")["state"] == "disabled"


def test_new_feature_reaches_existing_tenants(catalog: Api) -> None:
    t = catalog.tenant()
    catalog.admin("select api.define_feature('exports', 'metered', 'day')")
    assert catalog.entitlement(t, "exports")["enabled"] is False  # not on the plan yet
    catalog.admin("select api.set_plan_limit('free', 'exports', 3)")
    assert catalog.entitlement(t, "exports")["limit"] == 3


def test_downgraded_gauge_below_usage_shows_over_limit_and_keeps_data(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    catalog.consume(t, "members", 8)
    catalog.admin("select api.assign_plan(%s, 'free', 1)", t)
    e = catalog.entitlement(t, "members")
    assert (e["used"], e["limit"], e["state"]) == (8, 3, "blocked")
    assert catalog.consume(t, "members", -1)["used"] == 7


def test_list_entitlements_covers_every_feature(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    rows = catalog.service("select * from api.list_entitlements(%s::uuid)", t)
    assert [r["feature"] for r in rows] == sorted(
        ["calls", "hourly", "tokens", "storage_bytes", "members", "sso"]
    )
    with pytest.raises(psycopg.Error) as info:
        catalog.service(
            "select * from api.list_entitlements(%s::uuid)", "00000000-0000-0000-0000-000000000000"
        )
    assert sqlstate(info) == "RC001"


def test_derived_table_matches_a_full_recompute(catalog: Api) -> None:
    a = catalog.tenant(plan="pro")
    b = catalog.tenant()
    catalog.admin("select api.grant_addon(%s, 'more_members')", b)
    catalog.admin("select api.set_override(%s, 'calls', 7)", a)
    before = catalog.conn.execute("select * from core.entitlements order by 1, 2").fetchall()
    written = catalog.scalar(
        "select internal.refresh_entitlements(array(select tenant_id from core.tenants))"
    )
    assert written == 0  # nothing was stale
    after = catalog.conn.execute("select * from core.entitlements order by 1, 2").fetchall()
    assert after == before
