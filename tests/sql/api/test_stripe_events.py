"""Stripe events stored once and applied idempotently; subscription state, dunning,
invoices and history (sql/api/receive_stripe_event.sql and the internal/apply_* files)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import PRO_MONTHLY, Api, T, receive
from tests.stripe_fixtures import checkout_session, event, invoice, subscription


def sub_row(api: Api, tenant) -> dict[str, Any]:
    return api.admin("select * from core.subscriptions where tenant_id = %s", tenant)[0]


def test_subscription_created_sets_plan_seats_and_history(billing: Api) -> None:
    billing.set_clock(datetime(2026, 1, 1, 0, 5, tzinfo=UTC))
    t = billing.tenant()
    sub = subscription(
        "sub_A1", "cus_A", PRO_MONTHLY, quantity=3, tenant_id=str(t), unit_amount=4900
    )
    ev = event("evt_1", "customer.subscription.created", T, sub)
    assert receive(billing, ev) == {
        "event_id": "evt_1",
        "duplicate": False,
        "status": "applied",
        "conflict": False,
    }
    row = sub_row(billing, t)
    assert (row["plan"], row["seats"], row["status"], row["stripe_subscription_id"]) == (
        "pro",
        3,
        "active",
        "sub_A1",
    )
    assert billing.entitlement(t, "calls")["limit"] == 300
    history = billing.admin(
        "select plan_before, plan_after, mrr_before_cents, mrr_after_cents"
        " from core.subscription_history where tenant_id = %s",
        t,
    )
    assert history == [
        {
            "plan_before": None,
            "plan_after": "pro",
            "mrr_before_cents": 0,
            "mrr_after_cents": 3 * 4900,
        }
    ]
    again = receive(billing, ev)
    assert (again["duplicate"], again["status"], again["conflict"]) == (True, "applied", False)
    assert billing.scalar("select count(*) from core.subscription_history") == 1
    assert billing.scalar("select count(*) from core.stripe_events") == 1
    # The same id with another body: a conflict, and the first body stands.
    forged = {**ev, "data": {"object": {**ev["data"]["object"], "quantity": 9}}}
    clash = receive(billing, forged)
    assert (clash["duplicate"], clash["conflict"]) == (True, True)
    assert billing.scalar("select payload = %s::jsonb from core.stripe_events", Jsonb(ev))
    assert billing.scalar("select count(*) from core.subscription_history") == 1


def test_stale_snapshot_never_overwrites_newer_state(billing: Api) -> None:
    t = billing.tenant()
    newer = subscription("sub_B", "cus_B", PRO_MONTHLY, quantity=5, tenant_id=str(t))
    older = subscription("sub_B", "cus_B", PRO_MONTHLY, quantity=2, tenant_id=str(t))
    assert (
        receive(billing, event("evt_n", "customer.subscription.updated", T + 10, newer))["status"]
        == "applied"
    )
    assert (
        receive(billing, event("evt_o", "customer.subscription.updated", T + 5, older))["status"]
        == "stale"
    )
    assert sub_row(billing, t)["seats"] == 5


def test_unknown_customer_waits_for_checkout(billing: Api) -> None:
    t = billing.tenant()
    sub = subscription("sub_C", "cus_C", PRO_MONTHLY)
    assert (
        receive(billing, event("evt_c1", "customer.subscription.created", T, sub))["status"]
        == "unknown_customer"
    )
    listed = billing.admin(
        "select event_id, customer_id from api.stripe_events where status = 'unknown_customer'"
    )
    assert listed == [{"event_id": "evt_c1", "customer_id": "cus_C"}]
    cs = checkout_session("cs_1", "cus_C", "sub_C", str(t), "pro")
    assert (
        receive(billing, event("evt_c2", "checkout.session.completed", T + 1, cs))["status"]
        == "applied"
    )
    assert billing.scalar("select status from core.stripe_events where event_id = 'evt_c1'") == (
        "applied"
    )
    assert sub_row(billing, t)["plan"] == "pro"
    assert (
        billing.scalar("select stripe_customer_id from core.tenants where tenant_id = %s", t)
        == "cus_C"
    )


def test_dunning_past_due_restricted_then_restored(billing: Api) -> None:
    billing.set_clock(datetime(2026, 1, 5, tzinfo=UTC))
    t = billing.tenant()
    receive(
        billing,
        event(
            "evt_d1",
            "customer.subscription.created",
            T,
            subscription("sub_D", "cus_D", PRO_MONTHLY, tenant_id=str(t)),
        ),
    )
    billing.conn.execute(
        "update core.tenants set stripe_customer_id = 'cus_D' where tenant_id = %s", (t,)
    )
    failed = invoice("in_D1", "cus_D", "sub_D", status="open", amount_paid=0, attempt_count=1)
    receive(billing, event("evt_d2", "invoice.payment_failed", T + 3600, failed))
    row = sub_row(billing, t)
    assert (row["status"], row["restricted"]) == ("past_due", False)
    assert row["past_due_since"] == datetime(2026, 1, 1, 1, tzinfo=UTC)
    assert billing.check(t, "sso") is True  # grace: features kept
    kinds = billing.scalar(
        "select array_agg(kind order by notification_id) from core.notifications"
        " where tenant_id = %s",
        t,
    )
    assert kinds == ["plan_changed", "payment_failed"]  # subscribed, then the failure
    assert billing.admin("select api.run_dunning() as n")[0]["n"] == 0  # within the grace
    billing.set_clock(datetime(2026, 1, 8, 1, tzinfo=UTC))  # 7 days after the failure
    assert billing.admin("select api.run_dunning() as n")[0]["n"] == 1
    assert sub_row(billing, t)["restricted"] is True
    assert billing.check(t, "sso") is False  # reduced to the free plan
    assert billing.entitlement(t, "calls")["limit"] == 10
    assert billing.admin("select api.run_dunning() as n")[0]["n"] == 0  # once
    paid = invoice("in_D1", "cus_D", "sub_D", status="paid")
    receive(billing, event("evt_d3", "invoice.paid", T + 7200, paid))
    row = sub_row(billing, t)
    assert (row["status"], row["restricted"], row["past_due_since"]) == ("active", False, None)
    assert billing.check(t, "sso") is True
    inv = billing.admin("select status, amount_paid, hosted_invoice_url from api.invoices")
    assert inv == [
        {
            "status": "paid",
            "amount_paid": 4900,
            "hosted_invoice_url": "https://invoice.stripe.com/i/in_D1",
        }
    ]
    assert "payment_recovered" in billing.scalar(
        "select array_agg(kind) from core.notifications where tenant_id = %s", t
    )


def test_grace_not_over_keeps_features(billing: Api) -> None:
    billing.set_clock(datetime(2026, 1, 3, tzinfo=UTC))
    t = billing.tenant()
    receive(
        billing,
        event(
            "evt_g1",
            "customer.subscription.created",
            T,
            subscription("sub_G", "cus_G", PRO_MONTHLY, tenant_id=str(t)),
        ),
    )
    billing.conn.execute(
        "update core.tenants set stripe_customer_id = 'cus_G' where tenant_id = %s", (t,)
    )
    receive(
        billing,
        event(
            "evt_g2",
            "invoice.payment_failed",
            T + 60,
            invoice("in_G", "cus_G", "sub_G", status="open", amount_paid=0),
        ),
    )
    assert billing.admin("select api.run_dunning() as n")[0]["n"] == 0
    billing.set_clock(datetime(2026, 1, 8, 0, 1, 1, tzinfo=UTC))
    assert billing.admin("select api.run_dunning() as n")[0]["n"] == 1


def test_unpaid_suspends_and_voluntary_cancel_falls_back_to_free(billing: Api) -> None:
    t = billing.tenant()
    sub = subscription("sub_U", "cus_U", PRO_MONTHLY, tenant_id=str(t), status="unpaid")
    receive(billing, event("evt_u1", "customer.subscription.updated", T, sub))
    assert billing.scalar("select status from core.tenants where tenant_id = %s", t) == (
        "suspended"
    )
    assert billing.entitlement(t, "calls")["state"] == "disabled"
    gone = subscription(
        "sub_U",
        "cus_U",
        PRO_MONTHLY,
        tenant_id=str(t),
        status="canceled",
        cancel_reason="cancellation_requested",
    )
    receive(billing, event("evt_u2", "customer.subscription.deleted", T + 5, gone))
    assert billing.scalar("select status from core.tenants where tenant_id = %s", t) == "active"
    e = billing.entitlement(t, "calls")
    assert (e["limit"], e["state"]) == (10, "ok")  # the free plan


def test_addon_items_follow_the_subscription(billing: Api) -> None:
    t = billing.tenant()
    with_addon = subscription(
        "sub_X",
        "cus_X",
        PRO_MONTHLY,
        tenant_id=str(t),
        extra_items=[("si_addon", "price_more_members", 2)],
    )
    receive(billing, event("evt_x1", "customer.subscription.updated", T, with_addon))
    assert billing.entitlement(t, "members")["limit"] == 20
    without = subscription("sub_X", "cus_X", PRO_MONTHLY, tenant_id=str(t))
    receive(billing, event("evt_x2", "customer.subscription.updated", T + 1, without))
    assert billing.entitlement(t, "members")["limit"] == 10


def test_price_without_plan_fails_then_retry_applies(billing: Api) -> None:
    t = billing.tenant()
    sub = subscription("sub_P", "cus_P", "price_enterprise_m", tenant_id=str(t))
    assert (
        receive(billing, event("evt_p1", "customer.subscription.created", T, sub))["status"]
        == "failed"
    )
    err = billing.scalar("select last_error from core.stripe_events where event_id = 'evt_p1'")
    assert "no plan has the Stripe price" in err
    assert billing.scalar("select count(*) from core.subscriptions") == 0
    billing.admin("select api.define_plan('enterprise', 'Enterprise', 49900)")
    billing.admin("select api.set_plan_prices('enterprise', 'price_enterprise_m')")
    # the sweep backs off after a failure: not yet, then after the first wait (1 minute)
    assert billing.admin("select api.retry_stripe_events() as n")[0]["n"] == 0
    billing.set_clock(billing.scalar("select internal.now()") + timedelta(minutes=1, seconds=1))
    assert billing.admin("select api.retry_stripe_events() as n")[0]["n"] == 1
    assert sub_row(billing, t)["plan"] == "enterprise"


def test_unknown_type_is_stored_and_ignored(billing: Api) -> None:
    ev = event("evt_i", "charge.refunded", T, {"id": "ch_1", "object": "charge"})
    assert receive(billing, ev)["status"] == "ignored"


@pytest.mark.parametrize(
    "payload",
    [
        {"id": "nope", "type": "x", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "created": 1, "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": "yesterday", "data": {"object": {}}},
        {"id": "evt_1", "type": "x", "created": 1, "data": {}},
        [1, 2],
    ],
)
def test_malformed_event_is_rc021_and_stores_nothing(billing: Api, sqlstate, payload) -> None:
    with pytest.raises(psycopg.Error) as info:
        billing.service("select * from api.receive_stripe_event(%s::jsonb)", Jsonb(payload))
    assert sqlstate(info) == "RC021"
    assert billing.scalar("select count(*) from core.stripe_events") == 0


def test_trial_will_end_notifies_once(billing: Api) -> None:
    t = billing.tenant()
    sub = subscription(
        "sub_T", "cus_T", PRO_MONTHLY, tenant_id=str(t), status="trialing", trial_end=T + 86400 * 3
    )
    receive(billing, event("evt_t1", "customer.subscription.created", T, sub))
    receive(billing, event("evt_t2", "customer.subscription.trial_will_end", T + 1, sub))
    receive(billing, event("evt_t3", "customer.subscription.trial_will_end", T + 2, sub))
    assert (
        billing.scalar("select count(*) from core.notifications where kind = 'trial_will_end'") == 1
    )
    assert billing.check(t, "sso") is True  # trialing: full plan limits
    assert billing.admin("select mrr_cents from api.subscription")[0]["mrr_cents"] == 0


def test_mrr_history_on_seat_change(billing: Api) -> None:
    t = billing.tenant()
    for n, (seats, created) in enumerate([(1, T), (4, T + 10)]):
        receive(
            billing,
            event(
                f"evt_m{n}",
                "customer.subscription.updated",
                created,
                subscription(
                    "sub_M",
                    "cus_M",
                    PRO_MONTHLY,
                    quantity=seats,
                    tenant_id=str(t),
                    unit_amount=4900,
                ),
            ),
        )
    rows = billing.admin(
        "select seats_before, seats_after, mrr_before_cents, mrr_after_cents"
        " from core.subscription_history order by history_id"
    )
    assert [tuple(r.values()) for r in rows] == [(None, 1, 0, 4900), (1, 4, 4900, 19600)]


def test_past_due_since_uses_event_time(billing: Api) -> None:
    t = billing.tenant()
    receive(
        billing,
        event(
            "evt_q1",
            "customer.subscription.updated",
            T,
            subscription("sub_Q", "cus_Q", PRO_MONTHLY, tenant_id=str(t), status="past_due"),
        ),
    )
    assert sub_row(billing, t)["past_due_since"] == datetime.fromtimestamp(T, UTC)
    assert sub_row(billing, t)["past_due_since"] + timedelta(days=7) > datetime(
        2026, 1, 7, tzinfo=UTC
    )
