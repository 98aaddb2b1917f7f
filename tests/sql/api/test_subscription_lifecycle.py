"""Subscription lifecycle steps in SQL: trials that end without a payment method
(api.expire_trials), add-on cancellation at the period end (api.cancel_addon,
api.end_due_addons, api.due_addon_removals, api.prepare_addon_purchase), suspension by an
administrator kept apart from billing's (api.set_tenant_status), MRR from Stripe's unit
amount, the interval of a scheduled change, price ids kept when omitted, the retry
backoff and dismissal of stored events, and the customer link made by a subscription."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import PRO_MONTHLY, Api, T, receive
from tests.stripe_fixtures import event, invoice, subscription

PERIOD_END = datetime(2026, 2, 1, tzinfo=UTC)  # of the fixtures' subscriptions


def sub_row(api: Api, tenant) -> dict[str, Any]:
    return api.admin("select * from core.subscriptions where tenant_id = %s", tenant)[0]


def kinds(api: Api, tenant) -> list[str]:
    rows = api.admin(
        "select kind from core.notifications where tenant_id = %s order by notification_id",
        tenant,
    )
    return [r["kind"] for r in rows]


def start_trial(api: Api, tenant, payment_method: str | None = None, created: int = T) -> None:
    sub = subscription(
        "sub_TR",
        "cus_TR",
        PRO_MONTHLY,
        tenant_id=str(tenant),
        status="trialing",
        trial_end=T + 14 * 86400,
        payment_method=payment_method,
    )
    receive(api, event(f"evt_tr{created}", "customer.subscription.created", created, sub))


TRIAL_END = datetime.fromtimestamp(T + 14 * 86400, UTC)


# --- trials ----------------------------------------------------------------------------


def test_trial_without_payment_method_lapses_to_free_plan(billing: Api) -> None:
    t = billing.tenant()
    start_trial(billing, t)
    assert billing.check(t, "sso") is True  # trialing: the plan's full limits
    billing.set_clock(TRIAL_END + timedelta(minutes=30))  # within the grace: Stripe may speak
    assert billing.admin("select api.expire_trials() as n")[0]["n"] == 0
    billing.set_clock(TRIAL_END + timedelta(hours=1))
    assert billing.admin("select api.expire_trials() as n")[0]["n"] == 1
    row = sub_row(billing, t)
    assert (row["status"], row["stripe_status"]) == ("canceled", "trialing")
    assert billing.check(t, "sso") is False  # free plan
    assert billing.entitlement(t, "calls")["limit"] == 10
    assert billing.scalar("select status from core.tenants where tenant_id = %s", t) == "active"
    assert kinds(billing, t).count("trial_ended") == 1
    # running again changes nothing and writes nothing
    assert billing.admin("select api.expire_trials() as n")[0]["n"] == 0
    assert kinds(billing, t).count("trial_ended") == 1


def test_trial_with_payment_method_is_left_to_stripe(billing: Api) -> None:
    t = billing.tenant()
    start_trial(billing, t, payment_method="pm_card_visa")
    billing.set_clock(TRIAL_END + timedelta(days=2))
    assert billing.admin("select api.expire_trials() as n")[0]["n"] == 0
    assert sub_row(billing, t)["status"] == "trialing"


def test_lapsed_trial_restored_by_newer_snapshot_not_by_older(billing: Api) -> None:
    t = billing.tenant()
    start_trial(billing, t)
    billing.set_clock(TRIAL_END + timedelta(hours=2))
    billing.admin("select api.expire_trials()")
    # a redelivered trialing snapshot (older facts) does not undo the lapse
    start_trial(billing, t, created=T + 5)
    assert sub_row(billing, t)["status"] == "canceled"
    # the customer added a card and Stripe charged: a newer active snapshot wins
    paid = subscription("sub_TR", "cus_TR", PRO_MONTHLY, tenant_id=str(t), status="active")
    receive(billing, event("evt_tr_paid", "customer.subscription.updated", T + 15 * 86400, paid))
    assert sub_row(billing, t)["status"] == "active"
    assert billing.check(t, "sso") is True


def test_extended_trial_is_not_lapsed_by_the_old_end(billing: Api) -> None:
    t = billing.tenant()
    start_trial(billing, t)
    billing.set_clock(TRIAL_END + timedelta(hours=2))
    billing.admin("select api.expire_trials()")
    longer = subscription(
        "sub_TR",
        "cus_TR",
        PRO_MONTHLY,
        tenant_id=str(t),
        status="trialing",
        trial_end=T + 30 * 86400,
    )
    receive(billing, event("evt_tr_ext", "customer.subscription.updated", T + 86400, longer))
    assert sub_row(billing, t)["status"] == "trialing"


def test_paused_trial_falls_back_to_free_not_suspended(billing: Api) -> None:
    t = billing.tenant()
    paused = subscription("sub_PA", "cus_PA", PRO_MONTHLY, tenant_id=str(t), status="paused")
    receive(billing, event("evt_pa", "customer.subscription.updated", T, paused))
    assert sub_row(billing, t)["status"] == "canceled"
    assert billing.scalar("select status from core.tenants where tenant_id = %s", t) == "active"
    assert billing.entitlement(t, "calls")["limit"] == 10


def test_expire_trials_refuses_a_negative_grace(billing: Api, sqlstate: Callable[..., str]) -> None:
    with pytest.raises(psycopg.Error) as info:
        billing.admin("select api.expire_trials('-1 hour')")
    assert sqlstate(info) == "RC005"


def test_default_trial_days_argument(billing: Api) -> None:
    q = "select trial_days from api.plan_price('pro', 'month', %s::integer)"
    assert billing.service(q, None)[0]["trial_days"] == 14  # billing_config
    assert billing.service(q, 0)[0]["trial_days"] == 0
    billing.admin(
        "select api.define_plan('pro', 'Pro', 4900, p_per_seat => true, p_trial_days => 7)"
    )
    assert billing.service(q, 0)[0]["trial_days"] == 7  # the plan's own wins


# --- add-ons ---------------------------------------------------------------------------


def with_addon(api: Api, tenant, created: int, qty: int = 1, item: bool = True) -> None:
    extra = [("si_mm", "price_more_members", qty)] if item else []
    sub = subscription("sub_AD", "cus_AD", PRO_MONTHLY, tenant_id=str(tenant), extra_items=extra)
    receive(api, event(f"evt_ad{created}", "customer.subscription.updated", created, sub))


def test_addon_cancelled_at_period_end(billing: Api) -> None:
    t = billing.tenant()
    billing.set_clock(datetime(2026, 1, 10, tzinfo=UTC))
    with_addon(billing, t, T)
    assert billing.entitlement(t, "members")["limit"] == 15
    q = "select * from api.cancel_addon(%s, 'more_members')"
    first = billing.service(q, t)[0]
    assert first == {"addon": "more_members", "ends_at": PERIOD_END, "billed_by_stripe": True}
    assert billing.service(q, t)[0] == first  # again: same end, one notice
    assert kinds(billing, t).count("addon_cancel_scheduled") == 1
    # a later snapshot still carrying the item keeps the cancellation
    with_addon(billing, t, T + 10)
    assert billing.admin("select ends_at from core.tenant_addons")[0]["ends_at"] == PERIOD_END
    assert billing.entitlement(t, "members")["limit"] == 15  # paid until the period end
    assert billing.admin("select api.end_due_addons() as n")[0]["n"] == 0
    assert billing.admin("select * from api.due_addon_removals()") == []

    billing.set_clock(PERIOD_END)
    assert billing.admin("select api.end_due_addons() as n")[0]["n"] == 1
    assert billing.entitlement(t, "members")["limit"] == 10
    assert kinds(billing, t).count("addon_ended") == 1
    removals = billing.admin("select * from api.due_addon_removals()")
    assert [(r["addon"], r["stripe_item_id"], r["stripe_subscription_id"]) for r in removals] == [
        ("more_members", "si_mm", "sub_AD")
    ]
    with_addon(billing, t, T + 20)  # Stripe has not removed it yet: still ended
    assert billing.entitlement(t, "members")["limit"] == 10
    with_addon(billing, t, T + 30, item=False)  # removed in Stripe: the row goes
    assert billing.admin("select * from core.tenant_addons") == []
    assert billing.admin("select * from api.due_addon_removals()") == []


def test_buying_a_cancelled_addon_again_resumes_it(billing: Api) -> None:
    t = billing.tenant()
    billing.set_clock(datetime(2026, 1, 10, tzinfo=UTC))
    with_addon(billing, t, T, qty=2)
    q = "select * from api.prepare_addon_purchase(%s, 'more_members', %s)"
    assert billing.service(q, t, 2)[0]["action"] == "none"
    billing.service("select * from api.cancel_addon(%s, 'more_members')", t)
    resumed = billing.service(q, t, 2)[0]
    assert (resumed["action"], resumed["stripe_item_id"]) == ("resume", "si_mm")
    assert billing.admin("select ends_at from core.tenant_addons")[0]["ends_at"] is None
    update = billing.service(q, t, 3)[0]
    assert (update["action"], update["stripe_item_id"], update["price_id"]) == (
        "update",
        "si_mm",
        "price_more_members",
    )


def test_addon_purchase_needs_a_subscription_and_a_price_for_its_interval(
    billing: Api, sqlstate: Callable[..., str]
) -> None:
    t = billing.tenant()
    q = "select * from api.prepare_addon_purchase(%s, %s, %s)"
    for addon, qty, state in [
        ("more_members", 0, "RC004"),
        ("nope", 1, "RC008"),
        ("more_members", 1, "RC013"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            billing.service(q, t, addon, qty)
        assert sqlstate(info) == state
    yearly = subscription("sub_Y", "cus_Y", "price_pro_annual", tenant_id=str(t), interval="year")
    receive(billing, event("evt_y", "customer.subscription.created", T, yearly))
    with pytest.raises(psycopg.Error) as info:  # the add-on has a monthly price only
        billing.service(q, t, "more_members", 1)
    assert sqlstate(info) == "RC011"
    assert billing.admin("select count(*) as n from core.tenant_addons")[0]["n"] == 0


def test_cancel_addon_errors(billing: Api, sqlstate: Callable[..., str]) -> None:
    t = billing.tenant()
    for tenant, state in [("00000000-0000-0000-0000-000000000000", "RC001"), (t, "RC008")]:
        with pytest.raises(psycopg.Error) as info:
            billing.service("select * from api.cancel_addon(%s::uuid, 'more_members')", tenant)
        assert sqlstate(info) == state


def test_hand_granted_addon_cancelled_without_subscription_ends_now(billing: Api) -> None:
    t = billing.tenant()
    billing.admin("select api.grant_addon(%s, 'more_members', 1)", t)
    row = billing.service("select * from api.cancel_addon(%s, 'more_members')", t)[0]
    assert row["billed_by_stripe"] is False
    assert billing.admin("select api.end_due_addons() as n")[0]["n"] == 1
    assert billing.entitlement(t, "members")["limit"] == 3
    assert billing.admin("select * from api.due_addon_removals()") == []  # nothing in Stripe


# --- suspension ------------------------------------------------------------------------


def tenant_flags(api: Api, tenant) -> tuple[str, bool, bool]:
    row = api.admin(
        "select status, admin_suspended, billing_suspended from core.tenants where tenant_id = %s",
        tenant,
    )[0]
    return row["status"], row["admin_suspended"], row["billing_suspended"]


def test_admin_suspension_is_not_lifted_by_stripe_events(billing: Api) -> None:
    t = billing.tenant()
    active = subscription("sub_S", "cus_S", PRO_MONTHLY, tenant_id=str(t))
    receive(billing, event("evt_s1", "customer.subscription.created", T, active))
    row = billing.admin("select * from api.set_tenant_status(%s, 'suspended')", t)[0]
    assert (row["status"], row["admin_suspended"], row["billing_suspended"]) == (
        "suspended",
        True,
        False,
    )
    receive(billing, event("evt_s2", "customer.subscription.updated", T + 10, active))
    paid = invoice("in_S", "cus_S", "sub_S", status="paid")
    receive(billing, event("evt_s3", "invoice.paid", T + 20, paid))
    assert tenant_flags(billing, t) == ("suspended", True, False)
    assert billing.check(t, "calls") is False

    # billing suspends too; lifting the administrator's suspension leaves billing's
    unpaid = subscription("sub_S", "cus_S", PRO_MONTHLY, tenant_id=str(t), status="unpaid")
    receive(billing, event("evt_s4", "customer.subscription.updated", T + 30, unpaid))
    assert tenant_flags(billing, t) == ("suspended", True, True)
    billing.admin("select api.set_tenant_status(%s, 'active')", t)
    assert tenant_flags(billing, t) == ("suspended", False, True)
    receive(billing, event("evt_s5", "customer.subscription.updated", T + 40, active))
    assert tenant_flags(billing, t) == ("active", False, False)
    assert billing.check(t, "calls") is True


def test_set_tenant_status_twice_notifies_once(billing: Api) -> None:
    t = billing.tenant()
    billing.admin("select api.set_tenant_status(%s, 'suspended')", t)
    billing.admin("select api.set_tenant_status(%s, 'suspended')", t)
    assert kinds(billing, t) == ["suspended"]


# --- MRR, scheduled interval, prices ---------------------------------------------------


def test_mrr_follows_stripe_unit_amount_and_annual_interval(billing: Api) -> None:
    t = billing.tenant()
    yearly = subscription(
        "sub_Y",
        "cus_Y",
        "price_pro_annual",
        tenant_id=str(t),
        interval="year",
        quantity=2,
        unit_amount=49_000,
    )
    receive(billing, event("evt_y1", "customer.subscription.created", T, yearly))
    assert billing.admin("select mrr_cents from api.subscription")[0]["mrr_cents"] == (
        49_000 * 2 // 12
    )
    # without a unit amount (a plan assigned by hand) the catalogue price is per the
    # plan's own interval: a monthly plan billed yearly is still its monthly price
    mrr = billing.scalar("select internal.subscription_mrr('pro', 2, 'year', 'active', null)")
    assert mrr == 4900 * 2
    billing.admin("select api.define_plan('yearly', 'Yearly', 12000, p_interval => 'year')")
    assert billing.scalar("select internal.subscription_mrr('yearly', 1, 'year', 'active')") == (
        1000
    )
    assert billing.scalar("select internal.subscription_mrr('pro', 1, 'month', 'trialing')") == 0


def test_scheduled_downgrade_keeps_the_interval_asked_for(billing: Api) -> None:
    t = billing.tenant()
    billing.admin("select api.define_plan('lite', 'Lite', 1000)")
    billing.admin("select api.set_plan_prices('lite', 'price_lite_m', 'price_lite_y')")
    sub = subscription("sub_D", "cus_D", PRO_MONTHLY, tenant_id=str(t), unit_amount=4900)
    receive(billing, event("evt_d1", "customer.subscription.created", T, sub))
    change = billing.service("select * from api.request_plan_change(%s, 'lite', 'year')", t)[0]
    assert change["action"] == "downgrade"
    billing.set_clock(PERIOD_END)
    [due] = billing.service("select * from api.due_plan_changes()")
    assert (due["plan"], due["price_id"]) == ("lite", "price_lite_y")
    # Stripe on lite but monthly: not yet the change that was asked for
    monthly = subscription("sub_D", "cus_D", "price_lite_m", tenant_id=str(t))
    receive(billing, event("evt_d2", "customer.subscription.updated", T + 10, monthly))
    assert sub_row(billing, t)["scheduled_plan"] == "lite"
    yearly = subscription("sub_D", "cus_D", "price_lite_y", tenant_id=str(t), interval="year")
    receive(billing, event("evt_d3", "customer.subscription.updated", T + 20, yearly))
    row = sub_row(billing, t)
    assert (row["scheduled_plan"], row["scheduled_interval"], row["scheduled_at"]) == (
        None,
        None,
        None,
    )


def test_set_prices_keeps_what_is_not_given_and_clears_empty(billing: Api) -> None:
    cols = "select stripe_price_monthly_id m, stripe_price_annual_id y"
    q = f"{cols} from core.plans where code = 'pro'"
    billing.admin("select api.set_plan_prices('pro', 'price_pro_m2')")
    assert billing.admin(q)[0] == {"m": "price_pro_m2", "y": "price_pro_annual"}
    billing.admin("select api.set_plan_prices('pro', null, '')")
    assert billing.admin(q)[0] == {"m": "price_pro_m2", "y": None}
    qa = f"{cols} from core.addons where code = 'more_members'"
    billing.admin("select api.set_addon_prices('more_members', null, 'price_mm_y')")
    assert billing.admin(qa)[0] == {"m": "price_more_members", "y": "price_mm_y"}


# --- stored events ---------------------------------------------------------------------


def test_retry_backoff_doubles_up_to_six_hours(billing: Api) -> None:
    got = [billing.scalar("select internal.retry_backoff(%s)", n) for n in (0, 1, 2, 3, 10, 40)]
    assert got == [
        timedelta(minutes=1),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


def test_dismissed_event_is_not_retried(billing: Api, sqlstate: Callable[..., str]) -> None:
    orphan = subscription("sub_O", "cus_nobody", PRO_MONTHLY)
    assert receive(billing, event("evt_o", "customer.subscription.created", T, orphan))[
        "status"
    ] == ("unknown_customer")
    row = billing.admin("select * from api.dismiss_stripe_event('evt_o', 'test customer')")[0]
    assert row == {"event_id": "evt_o", "status": "dismissed", "dismissed_reason": "test customer"}
    billing.admin("select api.dismiss_stripe_event('evt_o')")  # again: no-op, reason kept
    billing.set_clock(datetime(2027, 1, 1, tzinfo=UTC))
    assert billing.admin("select api.retry_stripe_events() as n")[0]["n"] == 0
    assert billing.scalar("select status from core.stripe_events") == "dismissed"
    assert billing.scalar("select dismissed_reason from core.stripe_events") == "test customer"
    t = billing.tenant()
    ok = subscription("sub_OK", "cus_OK", PRO_MONTHLY, tenant_id=str(t))
    receive(billing, event("evt_ok", "customer.subscription.created", T, ok))
    for event_id, reason, state in [
        ("evt_missing", None, "RC012"),
        ("evt_ok", None, "RC023"),
        ("evt_o", "x" * 501, "RC005"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            billing.admin("select * from api.dismiss_stripe_event(%s, %s)", event_id, reason)
        assert sqlstate(info) == state


def test_subscription_metadata_links_customer_so_invoices_find_the_tenant(billing: Api) -> None:
    t = billing.tenant()
    # an invoice for the customer before anything links it: it waits
    paid = invoice("in_L", "cus_L", "sub_L", status="paid")
    assert receive(billing, event("evt_l1", "invoice.paid", T + 5, paid))["status"] == (
        "unknown_customer"
    )
    sub = subscription("sub_L", "cus_L", PRO_MONTHLY, tenant_id=str(t))
    receive(billing, event("evt_l2", "customer.subscription.created", T, sub))
    assert billing.scalar(
        "select stripe_customer_id from core.tenants where tenant_id = %s", t
    ) == ("cus_L")
    assert billing.scalar("select status from core.stripe_events where event_id = 'evt_l1'") == (
        "applied"
    )
    assert billing.admin("select invoice_id from core.invoices") == [{"invoice_id": "in_L"}]


def test_admin_cancel_now_is_allowed_for_unpaid(billing: Api, sqlstate: Callable[..., str]) -> None:
    t = billing.tenant()
    q = "select * from api.subscription_action(%s, %s)"
    with pytest.raises(psycopg.Error) as info:
        billing.admin(q, t, "cancel_now")
    assert sqlstate(info) == "RC013"
    unpaid = subscription("sub_U", "cus_U", PRO_MONTHLY, tenant_id=str(t), status="unpaid")
    receive(billing, event("evt_u", "customer.subscription.updated", T, unpaid))
    assert billing.admin(q, t, "cancel_now")[0]["stripe_subscription_id"] == "sub_U"
    with pytest.raises(psycopg.Error) as info:
        billing.admin(q, t, "cancel")  # a tenant's own cancel needs a live subscription
    assert sqlstate(info) == "RC013"


def test_addon_purchase_conflicts_write_nothing(billing: Api, sqlstate: Callable[..., str]) -> None:
    t = billing.tenant()
    billing.set_clock(datetime(2026, 1, 10, tzinfo=UTC))
    with_addon(billing, t, T, qty=2)
    q = "select * from api.prepare_addon_purchase(%s, 'more_members', %s)"
    assert billing.service(q, t, 3)[0]["action"] == "update"
    assert billing.admin("select quantity, ends_at from core.tenant_addons")[0] == {
        "quantity": 2,
        "ends_at": None,
    }  # nothing written before Stripe answers
    billing.service("select * from api.cancel_addon(%s, 'more_members')", t)
    with pytest.raises(psycopg.Error) as info:  # set to end: resume at 2 first
        billing.service(q, t, 3)
    assert sqlstate(info) == "RC015"
    assert billing.admin("select ends_at from core.tenant_addons")[0]["ends_at"] == PERIOD_END
    billing.set_clock(PERIOD_END)
    billing.admin("select api.end_due_addons()")
    with pytest.raises(psycopg.Error) as info:  # ended, Stripe item not removed yet
        billing.service(q, t, 2)
    assert sqlstate(info) == "RC015"
    with_addon(billing, t, T + 10, item=False)  # removed in Stripe
    assert billing.service(q, t, 2)[0]["action"] == "add"


def test_monthly_to_yearly_on_the_same_plan_is_an_upgrade(billing: Api) -> None:
    t = billing.tenant()
    receive(
        billing,
        event(
            "evt_my",
            "customer.subscription.created",
            T,
            subscription("sub_MY", "cus_MY", PRO_MONTHLY, tenant_id=str(t)),
        ),
    )
    q = "select action, price_id from api.request_plan_change(%s, 'pro', %s)"
    assert billing.service(q, t, "year")[0] == {"action": "upgrade", "price_id": "price_pro_annual"}
    yearly = subscription("sub_MY", "cus_MY", "price_pro_annual", tenant_id=str(t), interval="year")
    receive(billing, event("evt_my2", "customer.subscription.updated", T + 10, yearly))
    assert billing.service(q, t, "month")[0] == {
        "action": "downgrade",
        "price_id": PRO_MONTHLY,
    }


def test_admin_cancel_now_reaches_lapsed_and_paused_but_not_ended(
    billing: Api, sqlstate: Callable[..., str]
) -> None:
    q = "select stripe_subscription_id from api.subscription_action(%s, 'cancel_now')"
    lapsed = billing.tenant()
    start_trial(billing, lapsed)
    billing.set_clock(TRIAL_END + timedelta(hours=2))
    billing.admin("select api.expire_trials()")
    assert billing.admin(q, lapsed) == [{"stripe_subscription_id": "sub_TR"}]
    paused = billing.tenant()
    obj = subscription("sub_PZ", "cus_PZ", PRO_MONTHLY, tenant_id=str(paused), status="paused")
    receive(billing, event("evt_pz", "customer.subscription.updated", T, obj))
    assert billing.admin(q, paused) == [{"stripe_subscription_id": "sub_PZ"}]
    ended = billing.tenant()
    obj = subscription("sub_EN", "cus_EN", PRO_MONTHLY, tenant_id=str(ended), status="canceled")
    receive(billing, event("evt_en", "customer.subscription.deleted", T, obj))
    with pytest.raises(psycopg.Error) as info:
        billing.admin(q, ended)
    assert sqlstate(info) == "RC013"


def test_subscription_view_shows_schedule_payment_method_and_lapse(billing: Api) -> None:
    t = billing.tenant()
    start_trial(billing, t, payment_method=None)
    cols = "select scheduled_interval, has_payment_method, trial_lapsed from api.subscription"
    assert billing.admin(cols)[0] == {
        "scheduled_interval": None,
        "has_payment_method": False,
        "trial_lapsed": False,
    }
    billing.set_clock(TRIAL_END + timedelta(hours=2))
    billing.admin("select api.expire_trials()")
    assert billing.admin(cols)[0]["trial_lapsed"] is True
    other = billing.tenant()
    sub = subscription("sub_V", "cus_V", PRO_MONTHLY, tenant_id=str(other), payment_method="pm_1")
    receive(billing, event("evt_v", "customer.subscription.created", T, sub))
    billing.admin("select api.define_plan('lite', 'Lite', 1000)")
    billing.admin("select api.set_plan_prices('lite', 'price_lite_m', 'price_lite_y')")
    billing.service("select * from api.request_plan_change(%s, 'lite', 'year')", other)
    row = billing.admin(f"{cols} where tenant_id = %s", other)[0]
    assert row == {"scheduled_interval": "year", "has_payment_method": True, "trial_lapsed": False}


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)])
def test_same_second_snapshots_follow_the_subscription_life(billing: Api, order) -> None:
    """created, updated and deleted in one second, delivered in any order."""
    t = billing.tenant()
    objs = [
        (
            "customer.subscription.created",
            subscription("sub_SS", "cus_SS", PRO_MONTHLY, tenant_id=str(t), status="incomplete"),
        ),
        (
            "customer.subscription.updated",
            subscription(
                "sub_SS", "cus_SS", PRO_MONTHLY, tenant_id=str(t), status="active", quantity=2
            ),
        ),
        (
            "customer.subscription.deleted",
            subscription("sub_SS", "cus_SS", PRO_MONTHLY, tenant_id=str(t), status="canceled"),
        ),
    ]
    for i in order[:2]:
        type_, obj = objs[i]
        receive(billing, event(f"evt_ss{i}", type_, T, obj))
    row = sub_row(billing, t)
    latest = max(order[:2])
    assert row["status"] == ["incomplete", "active", "canceled"][latest]
    type_, obj = objs[order[2]]
    receive(billing, event(f"evt_ss{order[2]}", type_, T, obj))
    assert sub_row(billing, t)["status"] == "canceled"


def test_checkout_and_portal_context(billing: Api, sqlstate: Callable[..., str]) -> None:
    t = billing.tenant()
    q = "select * from api.checkout_context(%s, %s, %s, %s)"
    ctx = billing.service(q, t, "pro", "year", 3)[0]
    assert (ctx["price_id"], ctx["seats"], ctx["trial_days"], ctx["stripe_customer_id"]) == (
        "price_pro_annual",
        3,
        14,
        None,
    )
    for args, state in [
        ((t, "pro", "month", 0), "RC004"),
        (("00000000-0000-0000-0000-000000000000", "pro", "month", 1), "RC001"),
        ((t, "gold", "month", 1), "RC003"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            billing.service(q, *args)
        assert sqlstate(info) == state
    with pytest.raises(psycopg.Error) as info:
        billing.service("select api.portal_customer(%s)", t)
    assert sqlstate(info) == "RC017"
    sub = subscription("sub_CK", "cus_CK", PRO_MONTHLY, tenant_id=str(t))
    receive(billing, event("evt_ck", "customer.subscription.created", T, sub))
    with pytest.raises(psycopg.Error) as info:
        billing.service(q, t, "pro", "month", 1)
    assert sqlstate(info) == "RC016"
    assert billing.scalar("select api.portal_customer(%s)", t) == "cus_CK"
