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
from psycopg.rows import dict_row

from ratecard import stripe_gateway as gw

log = logging.getLogger("ratecard.jobs.billing")

DUE_PLAN_CHANGES = "select * from api.due_plan_changes(%s::integer)"
RETRY_EVENTS = "select api.retry_stripe_events(%s::integer)"
END_DUE_ADDONS = "select api.end_due_addons() as ended"
DUE_ADDON_REMOVALS = "select * from api.due_addon_removals(%s::integer)"


def _as_service(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> list[dict]:
    with conn.transaction():
        conn.execute("set local role ratecard_service")
        cur = conn.cursor(row_factory=dict_row)
        cur.execute(query, params)
        return cur.fetchall()


def make_due_plan_changes(
    conn: psycopg.Connection[Any], client: stripe.StripeClient, limit: int = 50
) -> int:
    """Ask Stripe to switch every due scheduled plan change. Returns how many were sent."""
    sent = 0
    for due in _as_service(conn, DUE_PLAN_CHANGES, (limit,)):
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
    ended = int(_as_service(conn, END_DUE_ADDONS, ())[0]["ended"])
    removed = 0
    if client is None:
        return ended, removed
    for due in _as_service(conn, DUE_ADDON_REMOVALS, (limit,)):
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
    row = _as_service(conn, RETRY_EVENTS, (limit,))
    return int(row[0]["retry_stripe_events"]) if row else 0
