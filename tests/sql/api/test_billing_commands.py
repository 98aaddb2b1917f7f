"""Billing commands checked in SQL before Stripe is asked (sql/api/billing_context.sql,
plan_price.sql, request_plan_change.sql, due_plan_changes.sql, subscription_action.sql)."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from tests.sql.conftest import PRO_MONTHLY, Api, T, receive
from tests.stripe_fixtures import event, subscription


def subscribed(api: Api, plan_price: str = PRO_MONTHLY, seats: int = 1, **kw):
    t = api.tenant()
    receive(
        api,
        event(
            f"evt_{t.hex[:8]}",
            "customer.subscription.created",
            T,
            subscription(
                f"sub_{t.hex[:8]}",
                f"cus_{t.hex[:8]}",
                plan_price,
                quantity=seats,
                tenant_id=str(t),
                **kw,
            ),
        ),
    )
    return t


def test_plan_price_and_its_errors(billing: Api, sqlstate) -> None:
    row = billing.service("select * from api.plan_price('pro', 'year')")[0]
    assert (row["price_id"], row["per_seat"], row["trial_days"]) == ("price_pro_annual", True, 14)
    for args, state in [
        (("nope", "month"), "RC003"),
        (("free", "month"), "RC003"),
        (("pro", "week"), "RC005"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            billing.service("select * from api.plan_price(%s, %s)", *args)
        assert sqlstate(info) == state
    billing.admin("select api.define_plan('team', 'Team', 9900)")
    with pytest.raises(psycopg.Error) as info:
        billing.service("select * from api.plan_price('team')")
    assert sqlstate(info) == "RC011"


def test_upgrade_is_now_and_prorated(billing: Api) -> None:
    billing.admin("select api.define_plan('team', 'Team', 9900, p_per_seat => true)")
    billing.admin("select api.set_plan_prices('team', 'price_team_m')")
    t = subscribed(billing, seats=2)
    row = billing.service("select * from api.request_plan_change(%s::uuid, 'team')", t)[0]
    assert (row["action"], row["price_id"], row["seats"], row["proration_behavior"]) == (
        "upgrade",
        "price_team_m",
        2,
        "create_prorations",
    )


def test_downgrade_waits_for_the_period_end(billing: Api) -> None:
    billing.set_clock(datetime(2026, 1, 10, tzinfo=UTC))
    billing.admin("select api.define_plan('lite', 'Lite', 900)")
    billing.admin("select api.set_plan_prices('lite', 'price_lite_m')")
    billing.admin("select api.set_plan_limit('lite', 'members', 2)")
    t = subscribed(billing)
    billing.consume(t, "members", 5)
    row = billing.service("select * from api.request_plan_change(%s::uuid, 'lite')", t)[0]
    assert (row["action"], row["effective_at"]) == ("downgrade", datetime(2026, 2, 1, tzinfo=UTC))
    assert billing.entitlement(t, "members")["limit"] == 10  # nothing changes yet
    assert billing.service("select * from api.due_plan_changes()") == []
    billing.set_clock(datetime(2026, 2, 1, tzinfo=UTC))
    [due] = billing.service("select * from api.due_plan_changes()")
    assert (due["plan"], due["price_id"]) == ("lite", "price_lite_m")
    # Stripe switches the price; its event changes the plan and clears the schedule.
    receive(
        billing,
        event(
            "evt_lite",
            "customer.subscription.updated",
            T + 3000000,
            subscription(f"sub_{t.hex[:8]}", f"cus_{t.hex[:8]}", "price_lite_m", tenant_id=str(t)),
        ),
    )
    e = billing.entitlement(t, "members")
    assert (e["used"], e["limit"], e["state"]) == (5, 2, "blocked")  # kept, over the limit
    assert billing.service("select * from api.due_plan_changes()") == []
    kinds = billing.scalar(
        "select array_agg(kind order by notification_id) from core.notifications"
        " where tenant_id = %s",
        t,
    )
    assert "downgrade_scheduled" in kinds and "over_limit_after_plan_change" in kinds
    # the tenant is told when it starts (free to pro: an upgrade) and when it is applied
    changes = billing.admin(
        "select payload from api.notifications where tenant_id = %s and kind = 'plan_changed'"
        " order by notification_id",
        t,
    )
    up, down = (c["payload"] for c in changes)
    assert (up["from"], up["to"], up["direction"]) == ("free", "pro", "upgrade")
    assert (down["from"], down["to"], down["direction"]) == ("pro", "lite", "downgrade")
    members = next(c for c in down["changes"] if c["feature"] == "members")
    assert (members["from_limit"], members["to_limit"], members["per_seat"]) == (10, 2, False)
    assert "calls" in {c["feature"] for c in down["changes"]}  # not on lite at all


def test_subscription_actions(billing: Api, sqlstate) -> None:
    free = billing.tenant()
    with pytest.raises(psycopg.Error) as info:
        billing.service("select * from api.subscription_action(%s::uuid, 'cancel')", free)
    assert sqlstate(info) == "RC013"
    with pytest.raises(psycopg.Error) as info:
        billing.service("select * from api.request_plan_change(%s::uuid, 'pro')", free)
    assert sqlstate(info) == "RC013"
    t = subscribed(billing)
    row = billing.service("select * from api.subscription_action(%s::uuid, 'cancel')", t)[0]
    assert row["stripe_subscription_id"] == f"sub_{t.hex[:8]}"
    with pytest.raises(psycopg.Error) as info:
        billing.service("select * from api.subscription_action(%s::uuid, 'reactivate')", t)
    assert sqlstate(info) == "RC014"
    with pytest.raises(psycopg.Error) as info:
        billing.service("select * from api.subscription_action(%s::uuid, 'seats', 0)", t)
    assert sqlstate(info) == "RC004"
    ending = subscribed(billing, cancel_at_period_end=True)
    assert (
        billing.service("select * from api.subscription_action(%s::uuid, 'reactivate')", ending)[0][
            "plan"
        ]
        == "pro"
    )


def test_billing_context(billing: Api, sqlstate) -> None:
    t = subscribed(billing, seats=3)
    ctx = billing.service("select * from api.billing_context(%s::uuid)", t)[0]
    assert (ctx["plan"], ctx["seats"], ctx["status"]) == ("pro", 3, "active")
    free = billing.tenant()
    ctx = billing.service("select * from api.billing_context(%s::uuid)", free)[0]
    assert (ctx["plan"], ctx["stripe_subscription_id"]) == ("free", None)
    with pytest.raises(psycopg.Error) as info:
        billing.service(
            "select * from api.billing_context(%s::uuid)", "00000000-0000-0000-0000-000000000000"
        )
    assert sqlstate(info) == "RC001"
