"""Billing jobs that must call Stripe, run by the worker from the queue.

* make_due_plan_changes: a downgrade scheduled for the end of a period is made in Stripe
  when it is due (new price, no proration). The Stripe event that follows changes the plan
  and clears the schedule in SQL; until then the same Stripe request is repeated with the
  same idempotency key, which Stripe answers with the first result.
* remove_ended_addon_items: the Stripe subscription items of add-ons that ended
  (the SQL job end_due_addons ended them; api.due_addon_removals lists them) are deleted
  without proration; the subscription event that follows drops the rows. A delete that
  fails is tried again on the next run; an item Stripe no longer has counts as gone.

* sync_stripe_status: every live subscription (api.subscriptions_to_sync) is read from
  Stripe and applied as a snapshot seen now (api.apply_stripe_subscription), so a lost
  webhook heals within the hour. A subscription Stripe no longer has is logged and counted
  (`missing`).

Without STRIPE_SECRET_KEY they succeed at once with {"skipped": "stripe not configured"}.
A failed Stripe call for one subscription is logged and counted (`failed`), and does not
stop the others; it is tried again on the next run.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
import stripe
from psycopg.types.json import Jsonb

from jobs import queries as q
from jobs.registry import JobContext, handler
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import Role, call, one

log = logging.getLogger("ratecard.jobs.billing")

SERVICE: Role = "ratecard_service"
NOT_CONFIGURED = {"skipped": "stripe not configured"}


def _client() -> stripe.StripeClient | None:
    settings = gw.StripeSettings.from_env()
    return gw.make_client(settings) if settings.configured else None


def make_due_plan_changes(
    conn: psycopg.Connection[Any], client: stripe.StripeClient, limit: int = 50
) -> tuple[int, int]:
    """Ask Stripe to switch every due scheduled plan change. Returns (sent, failed)."""
    sent = failed = 0
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
                        },
                        *due["metered_items"],  # the new plan's metered prices
                    ],
                    "proration_behavior": "none",
                },
                key,
            )
            sent += 1
        except stripe.StripeError as exc:
            failed += 1
            log.warning(
                "plan change for %s failed (Stripe request %s): %s",
                due["tenant_id"],
                getattr(exc, "request_id", None),
                exc.user_message,
            )
    return sent, failed


def remove_ended_addon_items(
    conn: psycopg.Connection[Any], client: stripe.StripeClient, limit: int = 50
) -> tuple[int, int]:
    """Delete ended add-ons' Stripe items. Returns (removed, failed)."""
    removed = failed = 0
    for due in call(conn, q.DUE_ADDON_REMOVALS, (limit,), role=SERVICE):
        try:
            gw.remove_subscription_item(
                client, due["stripe_item_id"], f"addon-remove:{due['stripe_item_id']}"
            )
            removed += 1
        except stripe.StripeError as exc:
            failed += 1
            log.warning(
                "removing add-on %s of %s failed (Stripe request %s): %s",
                due["addon"],
                due["tenant_id"],
                getattr(exc, "request_id", None),
                exc.user_message,
            )
    return removed, failed


@handler("make_due_plan_changes")
def run_make_due_plan_changes(ctx: JobContext) -> dict[str, Any]:
    client = _client()
    if client is None:
        return NOT_CONFIGURED
    sent, failed = make_due_plan_changes(ctx.conn, client, int(ctx.args.get("limit", 50)))
    return {"sent": sent, "failed": failed}


@handler("remove_ended_addon_items")
def run_remove_ended_addon_items(ctx: JobContext) -> dict[str, Any]:
    client = _client()
    if client is None:
        return NOT_CONFIGURED
    removed, failed = remove_ended_addon_items(ctx.conn, client, int(ctx.args.get("limit", 50)))
    return {"removed": removed, "failed": failed}


def sync_stripe_status(
    conn: psycopg.Connection[Any],
    client: stripe.StripeClient,
    page: int = 100,
    progress: Any = None,
) -> dict[str, int]:
    """Read every live subscription from Stripe and apply it. Returns counts."""
    done = {"applied": 0, "stale": 0, "missing": 0, "failed": 0}
    after = None
    while True:
        rows = call(conn, q.SUBSCRIPTIONS_TO_SYNC, (page, after), role=SERVICE)
        for row in rows:
            try:
                sub = gw.retrieve_subscription(client, row["stripe_subscription_id"])
            except stripe.InvalidRequestError as exc:
                if getattr(exc, "code", None) != "resource_missing":
                    raise
                done["missing"] += 1
                log.warning(
                    "subscription %s of %s is gone from Stripe",
                    row["stripe_subscription_id"],
                    row["tenant_id"],
                )
                continue
            except stripe.StripeError as exc:
                done["failed"] += 1
                log.warning(
                    "reading subscription %s failed (Stripe request %s): %s",
                    row["stripe_subscription_id"],
                    getattr(exc, "request_id", None),
                    exc.user_message,
                )
                continue
            outcome = one(
                call(
                    conn,
                    q.APPLY_STRIPE_SUBSCRIPTION,
                    (row["tenant_id"], Jsonb(sub)),
                    role=SERVICE,
                ),
                "apply_stripe_subscription",
            )["outcome"]
            done["applied" if outcome == "applied" else "stale"] += 1
        if progress is not None and rows:
            progress(len(rows))
        if len(rows) < page:
            return done
        after = rows[-1]["tenant_id"]


@handler("sync_stripe_status")
def run_sync_stripe_status(ctx: JobContext) -> dict[str, Any]:
    client = _client()
    if client is None:
        return NOT_CONFIGURED
    return dict(
        sync_stripe_status(
            ctx.conn,
            client,
            int(ctx.args.get("page", 100)),
            progress=lambda n: ctx.progress(read=n),
        )
    )
