"""A subscription's life against a real, stateful fake Stripe (localstripe): signed webhooks
over HTTP into POST /webhooks/stripe, stored once, applied to the subscription and the
entitlements; the tenant billing routes calling Stripe; a cancellation dropping the tenant
to the free plan. The servers are started by tests/e2e/conftest.py.

localstripe covers only part of Stripe (see docs/stripe.md, "localstripe"): legacy Plans
instead of Prices, no Checkout, and of the subscription events only
customer.subscription.created and .deleted (never .updated). The steps it cannot carry are
skipped below, each with the reason.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

import httpx
import psycopg

from ratecard.seed import seed_demo
from tests.api.conftest import bearer, new_key
from tests.e2e.conftest import WEBHOOK_SECRET, LocalStripe, RatecardServer, wait_until

# The event types Ratecard applies (sql/internal/apply_stripe_event.sql); it stores every
# other type as `ignored`.
APPLIED_TYPES = {
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.trial_will_end",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
}
# localstripe posts every event to every registered endpoint. Ours is registered twice
# with the right secret (each event arrives twice: the second copy must change nothing)
# and once with a wrong one (refused, nothing stored).
COPIES = 3
PRO_CENTS = 4900


def deliver_all(
    localstripe: LocalStripe, ratecard: RatecardServer, db: psycopg.Connection
) -> list[tuple[str, str]]:
    """Wait until every event localstripe has created reached Ratecard COPIES times, then
    check that each was accepted once, answered as a duplicate once and refused once, and
    is stored once with the status its type calls for. Returns the events as (id, type)."""
    events = localstripe.events()

    def all_delivered() -> bool:
        seen = Counter(d.event_id for d in ratecard.deliveries())
        return all(seen[event_id] >= COPIES for event_id, _ in events)

    wait_until(
        f"{len(events)} events x {COPIES} deliveries",
        all_delivered,
        detail=lambda: (
            f"received: {[(d.event_id, d.status) for d in ratecard.deliveries()]}\n"
            f"localstripe:\n{localstripe.log_tail()}"
        ),
    )
    answers: dict[str | None, list[tuple[int, Any, Any]]] = {}
    for d in ratecard.deliveries():
        answers.setdefault(d.event_id, []).append(
            (d.status, d.answer.get("duplicate"), d.answer.get("code"))
        )
    stored = {
        row[0]: row[1:]
        for row in db.execute(
            "select event_id, type, status, last_error from core.stripe_events"
        ).fetchall()
    }
    assert set(answers) == set(stored) == {event_id for event_id, _ in events}
    for event_id, event_type in events:
        assert sorted(answers[event_id]) == [
            (200, False, None),
            (200, True, None),
            (400, None, "invalid_signature"),
        ], (event_type, answers[event_id])
        status = "applied" if event_type in APPLIED_TYPES else "ignored"
        assert stored[event_id] == (event_type, status, None), (event_id, stored[event_id])
    return events


def usage(http: httpx.Client, key: dict[str, str]) -> dict[str, dict[str, Any]]:
    r = http.get("/v1/billing/usage", headers=key)
    assert r.status_code == 200, r.text
    return {u["feature"]: u for u in r.json()}


def plans_in_force(db: psycopg.Connection, tenant: UUID) -> set[str]:
    rows = db.execute(
        "select distinct plan from core.entitlements where tenant_id = %s", (tenant,)
    ).fetchall()
    return {r[0] for r in rows}


def quota(db: psycopg.Connection, tenant: UUID, feature: str, amount: int) -> bool:
    row = db.execute("select api.check_quota(%s, %s, %s)", (tenant, feature, amount)).fetchone()
    assert row is not None
    return bool(row[0])


def test_subscription_lifecycle_through_localstripe(
    localstripe: LocalStripe, ratecard: RatecardServer, dsn: str, db: psycopg.Connection
) -> None:
    seed_demo(dsn)
    row = db.execute("select tenant_id from core.tenants where name = 'Acme Corp'").fetchone()
    assert row is not None
    tenant: UUID = row[0]
    key = bearer(new_key(db, "tenant", tenant))
    stripe = localstripe.client()
    http = httpx.Client(base_url=ratecard.url, timeout=10)
    try:
        # Before anything: the free default plan (Starter: 100 AI decisions, 3 members).
        assert plans_in_force(db, tenant) == {"starter"}
        assert not quota(db, tenant, "ai_decisions", 101)

        localstripe.register_webhook("ratecard", ratecard.webhook_url, WEBHOOK_SECRET)
        localstripe.register_webhook("ratecard-again", ratecard.webhook_url, WEBHOOK_SECRET)
        localstripe.register_webhook("impostor", ratecard.webhook_url, "whsec_not_ours")

        # Pro is sold as a legacy Plan (localstripe has no Prices), with 10 members a seat.
        plan = stripe.v1.plans.create(
            {
                "amount": PRO_CENTS,
                "currency": "usd",
                "interval": "month",
                "product": {"name": "Pro"},
            }
        )
        db.execute("select api.set_plan_prices('pro', %s)", (plan.id,))
        db.execute("select api.set_plan_limit('pro', 'members', 10, p_per_seat => true)")

        # A customer with a card. Nothing links it to the tenant by hand: the subscription's
        # metadata does, and the invoice events, which name only the customer and may be
        # delivered at the same moment, wait for that link instead of being parked.
        card = stripe.v1.payment_methods.create(
            {
                "type": "card",
                "card": {
                    "number": "4242424242424242",
                    "exp_month": 12,
                    "exp_year": 2040,
                    "cvc": "123",
                },
            }
        )
        customer = stripe.v1.customers.create(
            {
                "email": "billing@acme.example",
                "payment_method": card.id,
                "invoice_settings": {"default_payment_method": card.id},
                "metadata": {"tenant_id": str(tenant)},
            }
        )

        # 3 seats of Pro, carrying the tenant id; the first invoice is paid at once.
        sub = stripe.v1.subscriptions.create(
            {
                "customer": customer.id,
                "items": [{"plan": plan.id, "quantity": 3}],
                "metadata": {"tenant_id": str(tenant), "plan": "pro"},
            }
        )
        assert sub.status == "active"
        item = sub["items"]["data"][0]

        types = Counter(t for _, t in deliver_all(localstripe, ratecard, db))
        assert db.execute(
            "select stripe_customer_id from core.tenants where tenant_id = %s", (tenant,)
        ).fetchone() == (customer.id,)
        assert types["customer.subscription.created"] == 1
        assert types["invoice.created"] == 1
        assert types["invoice.payment_succeeded"] == 1

        assert db.execute(
            "select plan, status, seats, billing_interval, stripe_subscription_id,"
            "       stripe_item_id, cancel_at_period_end,"
            "       extract(epoch from current_period_start)::bigint,"
            "       extract(epoch from current_period_end)::bigint"
            "  from core.subscriptions where tenant_id = %s",
            (tenant,),
        ).fetchone() == (
            "pro",
            "active",
            3,
            "month",
            sub.id,
            item.id,
            False,
            sub.current_period_start,
            sub.current_period_end,
        )
        # invoice.created (a draft) and invoice.payment_succeeded carry the same second and
        # arrive in either order: the invoice is kept as paid both ways.
        assert db.execute(
            "select invoice_id, subscription_id, status, amount_due, amount_paid, currency,"
            "       paid_at is not null"
            "  from core.invoices where tenant_id = %s",
            (tenant,),
        ).fetchall() == [
            (sub.latest_invoice, sub.id, "paid", 3 * PRO_CENTS, 3 * PRO_CENTS, "usd", True)
        ]
        assert db.execute(
            "select invoice_id, succeeded, amount_cents from core.payment_attempts"
            " where tenant_id = %s",
            (tenant,),
        ).fetchall() == [(sub.latest_invoice, True, 3 * PRO_CENTS)]

        # The entitlements follow the plan: Pro's limits, members per seat.
        assert plans_in_force(db, tenant) == {"pro"}
        assert quota(db, tenant, "ai_decisions", 10_000)
        assert not quota(db, tenant, "ai_decisions", 10_001)
        limits = usage(http, key)
        assert (limits["ai_decisions"]["limit"], limits["members"]["limit"]) == (10_000, 30)
        mine = http.get("/v1/billing/subscription", headers=key).json()
        assert (mine["plan"], mine["status"], mine["seats"], mine["cancel_at_period_end"]) == (
            "pro",
            "active",
            3,
            False,
        )
        [listed] = http.get("/v1/billing/invoices", headers=key).json()
        assert (listed["invoice_id"], listed["status"]) == (sub.latest_invoice, "paid")

        # Our API reads from Stripe: the next invoice, as localstripe computes it.
        r = http.get("/v1/billing/upcoming-invoice", headers=key)
        assert r.status_code == 200, r.text
        assert (r.json()["amount_due"], r.json()["currency"]) == (3 * PRO_CENTS, "usd")

        # Seats (POST /v1/billing/seats): skipped. localstripe's subscription update does
        # not take `proration_behavior` (only the legacy `prorate`) and answers 500 to it;
        # and it never sends customer.subscription.updated, so no seat change could reach
        # Ratecard anyway.

        # Cancel at the period end through our API: localstripe records it ...
        before = localstripe.events()
        r = http.post("/v1/billing/cancel", headers=key)
        assert (r.status_code, r.json()) == (200, {"cancel_at_period_end": True}), r.text
        assert stripe.v1.subscriptions.retrieve(sub.id).cancel_at_period_end is True
        # ... but sends no customer.subscription.updated (it creates its events during the
        # request, so none now means none at all), and Ratecard keeps what it knew.
        assert localstripe.events() == before
        assert db.execute(
            "select status, cancel_at_period_end from core.subscriptions where tenant_id = %s",
            (tenant,),
        ).fetchone() == ("active", False)

        # Reactivate (POST /v1/billing/reactivate): skipped. Ratecard learns of a pending
        # cancellation only from customer.subscription.updated, which localstripe never
        # sends, so the route refuses (subscription_not_cancelled) before calling Stripe.

        # Cancel now, on the Stripe side: customer.subscription.deleted.
        assert stripe.v1.subscriptions.cancel(sub.id).status == "canceled"
        types = Counter(t for _, t in deliver_all(localstripe, ratecard, db))
        assert types["customer.subscription.deleted"] == 1

        # The tenant falls back to the free default plan and stays active (cancelled on
        # request, not for non-payment).
        assert db.execute(
            "select s.plan, s.status, s.cancel_at_period_end, t.status"
            "  from core.subscriptions s join core.tenants t using (tenant_id)"
            " where tenant_id = %s",
            (tenant,),
        ).fetchone() == ("pro", "canceled", True, "active")
        assert plans_in_force(db, tenant) == {"starter"}
        assert quota(db, tenant, "ai_decisions", 100)
        assert not quota(db, tenant, "ai_decisions", 101)
        limits = usage(http, key)
        assert (limits["ai_decisions"]["limit"], limits["members"]["limit"]) == (100, 3)
        assert http.get("/v1/billing/subscription", headers=key).json()["status"] == "canceled"
        r = http.post("/v1/billing/cancel", headers=key)
        assert (r.status_code, r.json()["code"]) == (400, "no_active_subscription"), r.text
    finally:
        http.close()
