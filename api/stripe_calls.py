"""How routes and pages call Stripe: a client from the app's Stripe settings (503
payment_system_not_configured without a secret key), blocking calls run in a worker thread
with Stripe's errors turned into clear 4xx/502 answers carrying Stripe's request id, and
the requests each billing command makes. Shared by the tenant billing routes, the billing
page and the admin routes that act on subscriptions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
import stripe
from litestar.datastructures import State

from api.errors import ApiError
from ratecard import stripe_gateway as gw

R = TypeVar("R")


def stripe_client(state: State) -> stripe.StripeClient:
    try:
        return gw.make_client(state.stripe)
    except gw.StripeNotConfigured as exc:
        raise ApiError(503, "payment_system_not_configured", exc.message, hint=exc.hint) from None


async def call_stripe(call: Callable[[], R]) -> R:
    """Run a Stripe call in a worker thread (the client blocks); its errors become clear
    4xx/502 answers with Stripe's request id."""
    try:
        return await anyio.to_thread.run_sync(call)
    except stripe.CardError as exc:
        raise ApiError(
            402,
            "card_declined",
            exc.user_message or "the card was declined",
            {"stripe_request_id": exc.request_id},
        ) from None
    except stripe.InvalidRequestError as exc:
        raise ApiError(
            400,
            "stripe_invalid_request",
            exc.user_message or str(exc),
            {"stripe_request_id": exc.request_id},
        ) from None
    except stripe.StripeError as exc:
        raise ApiError(
            502,
            "stripe_error",
            exc.user_message or "Stripe did not answer",
            {"stripe_request_id": getattr(exc, "request_id", None)},
        ) from None


# What a billing command asks of Stripe once its SQL call has checked it, shared by the
# billing API (api/routes/billing.py) and the billing page (api/pages/billing.py), so both
# make exactly the same requests. Each takes the row its SQL function returned.


async def start_checkout(
    state: State, tenant_id: str, ctx: dict[str, Any], s: gw.StripeSettings | None = None
) -> dict[str, Any]:
    """A Checkout Session for api.checkout_context's answer; `s` overrides the return URLs."""
    client = stripe_client(state)
    return await call_stripe(
        lambda: gw.checkout_session(
            client,
            tenant_id=tenant_id,
            plan=ctx["plan"],
            price_id=ctx["price_id"],
            seats=ctx["seats"],
            customer_id=ctx["stripe_customer_id"],
            email=ctx["email"],
            trial_days=ctx["trial_days"],
            s=s or state.stripe,
            idempotency_key=f"checkout:{tenant_id}:{uuid.uuid4()}",
            metered_price_ids=ctx["metered_price_ids"],
        )
    )


async def open_portal(
    state: State, customer_id: str, s: gw.StripeSettings | None = None
) -> dict[str, Any]:
    client = stripe_client(state)
    return await call_stripe(lambda: gw.portal_session(client, customer_id, s or state.stripe))


async def apply_plan_change(state: State, plan: dict[str, Any]) -> None:
    """api.request_plan_change's answer: an upgrade changes the item's price now, prorated,
    and swaps the plan's metered prices (metered_items); a downgrade was scheduled in SQL
    and asks nothing of Stripe."""
    if plan["action"] != "upgrade":
        return
    client = stripe_client(state)
    await call_stripe(
        lambda: gw.update_subscription(
            client,
            plan["stripe_subscription_id"],
            {
                "items": [
                    {
                        "id": plan["stripe_item_id"],
                        "price": plan["price_id"],
                        "quantity": plan["seats"],
                    },
                    *plan["metered_items"],  # the new plan's metered prices
                ],
                "proration_behavior": "create_prorations",
            },
            f"upgrade:{plan['stripe_subscription_id']}:{plan['price_id']}:{uuid.uuid4()}",
        )
    )


async def set_seats(state: State, sub: dict[str, Any], seats: int) -> None:
    client = stripe_client(state)
    await call_stripe(
        lambda: gw.update_subscription(
            client,
            sub["stripe_subscription_id"],
            {
                "items": [{"id": sub["stripe_item_id"], "quantity": seats}],
                "proration_behavior": "create_prorations",
            },
            f"seats:{sub['stripe_subscription_id']}:{seats}:{uuid.uuid4()}",
        )
    )


async def buy_addon(state: State, plan: dict[str, Any], addon: str, quantity: int) -> str | None:
    """api.prepare_addon_purchase's answer: add an item, change its quantity, or nothing
    (resume, none). Returns the Stripe item id."""
    item_id: str | None = plan["stripe_item_id"]
    if plan["action"] not in ("add", "update"):
        return item_id
    client = stripe_client(state)
    if plan["action"] == "add":
        item = await call_stripe(
            lambda: gw.add_subscription_item(
                client,
                plan["stripe_subscription_id"],
                plan["price_id"],
                quantity,
                f"addon:{plan['stripe_subscription_id']}:{addon}:{uuid.uuid4()}",
            )
        )
        return item.get("id")
    await call_stripe(
        lambda: gw.update_subscription_item(
            client,
            plan["stripe_item_id"],
            quantity,
            f"addon-quantity:{plan['stripe_item_id']}:{quantity}:{uuid.uuid4()}",
        )
    )
    return item_id


async def set_cancel_at_period_end(
    state: State, sub: dict[str, Any], action: str, flag: bool
) -> None:
    """cancel / reactivate, after api.subscription_action checked it."""
    client = stripe_client(state)
    await call_stripe(
        lambda: gw.update_subscription(
            client,
            sub["stripe_subscription_id"],
            {"cancel_at_period_end": flag},
            f"{action}:{sub['stripe_subscription_id']}:{uuid.uuid4()}",
        )
    )
