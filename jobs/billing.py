"""Billing jobs that must call Stripe, run by the worker.

* make_due_plan_changes: a downgrade scheduled for the end of a period is made in Stripe
  when it is due (new price, no proration). The Stripe event that follows changes the plan
  and clears the schedule in SQL; until then the same Stripe request is repeated with the
  same idempotency key, which Stripe answers with the first result.
* end_addons: add-ons whose cancellation date has come stop counting (api.end_due_addons),
  then their Stripe subscription items are deleted without proration
  (api.due_addon_removals); the subscription event that follows drops the rows. A delete
  that fails is tried again on the next pass; an item Stripe no longer has counts as gone.
* retry_events: apply stored Stripe events that failed or waited for their customer.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import stripe

from jobs import queries as q
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import Role, call, one

log = logging.getLogger("ratecard.jobs.billing")

SERVICE: Role = "ratecard_service"


def make_due_plan_changes(
    conn: psycopg.Connection[Any], client: stripe.StripeClient, limit: int = 50
) -> int:
    """Ask Stripe to switch every due scheduled plan change. Returns how many were sent."""
    sent = 0
    for due in call(conn, q.DUE_PLAN_CHANGES, (limit,), role=SERVICE):
        # one key per scheduled change: repeats until Stripe's event are answered with the
        # first result, and a later change to the same price is a new request
        key = (
            f"plan-change:{due['stripe_subscription_id']}:{due['price_id']}"
            f":{int(due['scheduled_at'].timestamp())}"
        )
        try:
            gw.update_subscription(
                client,
                due["stripe_subscription_id"],
                {
                    "items": [
                        {
                            "id": due["stripe_item_id"],
                            "price": due["price_id"],
                            "quantity": due["seats"],
                        }
                    ],
                    "proration_behavior": "none",
                },
                key,
            )
            sent += 1
        except stripe.StripeError as exc:
            log.warning(
                "plan change for %s failed (Stripe request %s): %s",
                due["tenant_id"],
                getattr(exc, "request_id", None),
                exc.user_message,
            )
    return sent


def end_addons(
    conn: psycopg.Connection[Any], client: stripe.StripeClient | None, limit: int = 50
) -> tuple[int, int]:
    """End due add-ons, then remove ended add-ons' items in Stripe (when a client is
    given). Returns (ended now, items removed)."""
    ended = int(one(call(conn, q.END_DUE_ADDONS, (), role=SERVICE), "end_due_addons")["ended"])
    removed = 0
    if client is None:
        return ended, removed
    for due in call(conn, q.DUE_ADDON_REMOVALS, (limit,), role=SERVICE):
        try:
            gw.remove_subscription_item(
                client, due["stripe_item_id"], f"addon-remove:{due['stripe_item_id']}"
            )
            removed += 1
        except stripe.StripeError as exc:
            log.warning(
                "removing add-on %s of %s failed (Stripe request %s): %s",
                due["addon"],
                due["tenant_id"],
                getattr(exc, "request_id", None),
                exc.user_message,
            )
    return ended, removed


def retry_events(conn: psycopg.Connection[Any], limit: int = 100) -> int:
    return int(
        one(call(conn, q.RETRY_EVENTS, (limit,), role=SERVICE), "retry_stripe_events")["applied"]
    )
