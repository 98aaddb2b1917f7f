"""How routes call Stripe: a client from the app's Stripe settings (503
payment_system_not_configured without a secret key), and blocking calls run in a worker
thread with Stripe's errors turned into clear 4xx/502 answers carrying Stripe's request id.
Shared by the tenant billing routes and the admin routes that act on subscriptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
