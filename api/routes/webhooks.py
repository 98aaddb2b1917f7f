"""Webhooks: POST /webhooks/stripe and POST /webhooks/s3. One SQL call each.

POST /webhooks/stripe: verify, store once, apply.

The signature is checked on the exact raw bytes received (never on re-serialised JSON).
A bad, stale, future or missing signature is 400 and nothing is stored. A verified event
goes to api.receive_stripe_event, which stores it by id and applies it in one transaction;
a duplicate delivery answers 200 again with duplicate=true and has no second effect. A
delivery whose id is already stored with another body changes nothing either: it answers
200 with duplicate=true and conflict=true and is logged as a warning. Stripe gets a 2xx as
soon as the event is stored, even when applying it failed: the failure is kept on the
event and the retry sweep (api.retry_stripe_events) applies it later.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from litestar import Request, post
from litestar.datastructures import State

from api import queries
from api.db import fetch
from api.errors import ApiError
from api.openapi import errors
from ratecard import jsontext
from ratecard import s3_gateway as s3gw
from ratecard import stripe_gateway as gw
from ratecard.sqlcall import one

log = logging.getLogger("ratecard.api.webhooks")
MAX_EVENT_BYTES = 4 * 1_048_576


@post(
    "/webhooks/stripe",
    tags=["webhooks"],
    summary="Stripe webhook endpoint (signature-verified)",
    status_code=200,
    request_max_body_size=MAX_EVENT_BYTES,
    opt={"json_body": True},
    responses=errors(400, 422),
)
async def stripe_webhook(request: Request[Any, Any, State], state: State) -> dict[str, Any]:
    settings: gw.StripeSettings = state.stripe
    raw = await request.body()
    try:
        event = gw.verify_webhook(raw, request.headers.get("stripe-signature"), settings)
    except gw.StripeNotConfigured as exc:
        raise ApiError(503, "payment_system_not_configured", exc.message, hint=exc.hint) from None
    except gw.InvalidSignature as exc:
        raise ApiError(400, "invalid_signature", exc.message) from None
    except jsontext.BadJson as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    rows = await fetch(
        state.pool,
        queries.RECEIVE_STRIPE_EVENT,
        (psycopg.types.json.Jsonb(event),),
        role="ratecard_service",
    )
    result = one(rows, "api.receive_stripe_event")
    if result["conflict"]:
        log.warning(
            "Stripe event %s arrived again with another body; the first one stands",
            result["event_id"],
        )
    return {"received": True, **result}


@post(
    "/webhooks/s3",
    tags=["webhooks"],
    summary="S3 event notifications (ObjectCreated, ObjectRemoved), with a shared secret",
    status_code=200,
    request_max_body_size=MAX_EVENT_BYTES,
    opt={"json_body": True},
    responses=errors(400, 401, 422),
)
async def s3_webhook(request: Request[Any, Any, State], state: State) -> dict[str, Any]:
    """An S3 event notification (Records[]) as S3 sends it, relayed by SNS (HTTP Basic
    with the secret as password in the subscription URL), an SQS consumer, Lambda or an
    EventBridge API destination (Authorization: Bearer <secret>). Every record is applied
    in one call to api.receive_s3_events, per key in sequencer order; repeats change
    nothing. The answer counts what happened to the records."""
    settings: s3gw.S3Settings = state.s3
    try:
        authorized = s3gw.webhook_authorized(settings, request.headers.get("authorization"))
    except s3gw.StorageNotConfigured as exc:
        raise ApiError(503, "storage_not_configured", exc.message, hint=exc.hint or "") from None
    if not authorized:
        raise ApiError(
            401,
            "unauthorized",
            "the S3 webhook secret is missing or wrong",
            hint="send Authorization: Bearer <RATECARD_S3_WEBHOOK_SECRET>",
            headers={"WWW-Authenticate": 'Bearer realm="s3-webhook"'},
        )
    try:
        notification = jsontext.decode(await request.body())
    except jsontext.BadJson as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    rows = await fetch(
        state.pool,
        queries.RECEIVE_S3_EVENTS,
        (psycopg.types.json.Jsonb(notification), settings.bucket or None),
        role="ratecard_service",
    )
    return one(rows, "api.receive_s3_events")
