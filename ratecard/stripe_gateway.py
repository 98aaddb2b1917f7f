"""Talking to Stripe: the only Python that knows Stripe's API. Every state change is then
handed to SQL (api.receive_stripe_event applies the subscription Stripe returns), so the
rules stay in PostgreSQL.

Configuration (environment):
  STRIPE_SECRET_KEY       secret API key; without it billing routes answer 503
                          payment_system_not_configured
  STRIPE_WEBHOOK_SECRET   signing secret of the webhook endpoint (whsec_...)
  STRIPE_API_BASE         another API server (tests, localstripe), e.g. http://127.0.0.1:8420
  RATECARD_DEFAULT_TRIAL_DAYS  trial length when a plan sets none (0 = no trial); unset:
                          the database's core.billing_config.default_trial_days (14)
  RATECARD_BILLING_SUCCESS_URL / RATECARD_BILLING_CANCEL_URL / RATECARD_BILLING_RETURN_URL
                          where Checkout and the Billing Portal send the customer back
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import stripe

from ratecard import jsontext
from ratecard.errors import RatecardError

SIGNATURE_TOLERANCE_SECONDS = 300


class StripeNotConfigured(RatecardError):
    """STRIPE_SECRET_KEY (or STRIPE_WEBHOOK_SECRET for webhooks) is not set."""


class InvalidSignature(RatecardError):
    """The webhook body does not carry a valid, fresh Stripe signature."""


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str = ""
    webhook_secret: str = ""
    api_base: str = ""
    default_trial_days: int | None = None
    success_url: str = "http://127.0.0.1:8080/billing/success?session_id={CHECKOUT_SESSION_ID}"
    cancel_url: str = "http://127.0.0.1:8080/billing/cancel"
    return_url: str = "http://127.0.0.1:8080/billing"

    @classmethod
    def from_env(cls) -> StripeSettings:
        trial = os.environ.get("RATECARD_DEFAULT_TRIAL_DAYS", "").strip()
        if trial and (not trial.isdigit() or int(trial) > 365):
            raise RatecardError("RATECARD_DEFAULT_TRIAL_DAYS must be 0 to 365")
        d = cls()
        return cls(
            secret_key=os.environ.get("STRIPE_SECRET_KEY", "").strip(),
            webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip(),
            api_base=os.environ.get("STRIPE_API_BASE", "").strip(),
            default_trial_days=int(trial) if trial else None,
            success_url=os.environ.get("RATECARD_BILLING_SUCCESS_URL", d.success_url),
            cancel_url=os.environ.get("RATECARD_BILLING_CANCEL_URL", d.cancel_url),
            return_url=os.environ.get("RATECARD_BILLING_RETURN_URL", d.return_url),
        )

    @property
    def configured(self) -> bool:
        return bool(self.secret_key)


def make_client(s: StripeSettings, timeout: float | None = None) -> stripe.StripeClient:
    """A client for `s`; `timeout` (seconds) bounds each request (default: the SDK's 80)."""
    if not s.configured:
        raise StripeNotConfigured("the payment system is not configured", "set STRIPE_SECRET_KEY")
    bases: dict[str, str] = {"api": s.api_base} if s.api_base else {}
    return stripe.StripeClient(
        s.secret_key,
        base_addresses=bases,  # type: ignore[arg-type]
        max_network_retries=2,
        http_client=stripe.new_default_http_client(timeout=timeout) if timeout else None,
    )


def _signed_at(signature: str) -> int | None:
    """The `t=` timestamp of a Stripe-Signature header, if it has one that is a number."""
    for part in signature.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            return int(value)
    return None


def verify_webhook(
    raw_body: bytes, signature: str | None, s: StripeSettings, now: float | None = None
) -> dict[str, Any]:
    """The event in `raw_body`, if `signature` (Stripe-Signature) is valid and fresh: signed
    at most SIGNATURE_TOLERANCE_SECONDS ago and no more than that ahead of our clock.

    InvalidSignature for a bad, stale, future or missing signature; jsontext.BadJson for a
    signed body that is not UTF-8 JSON, is nested too deep or holds a NUL character."""
    if not s.webhook_secret:
        raise StripeNotConfigured("webhook secret not configured", "set STRIPE_WEBHOOK_SECRET")
    if not signature:
        raise InvalidSignature("missing Stripe-Signature header")
    signed_at = _signed_at(signature)
    now = time.time() if now is None else now
    if signed_at is not None and signed_at > now + SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature(
            "invalid Stripe signature: the timestamp is more than"
            f" {SIGNATURE_TOLERANCE_SECONDS} seconds in the future"
        )
    try:
        payload = raw_body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            payload, signature, s.webhook_secret, SIGNATURE_TOLERANCE_SECONDS
        )
    except (UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        raise InvalidSignature(f"invalid Stripe signature: {exc}") from None
    event = jsontext.decode(raw_body)
    if not isinstance(event, dict):
        raise InvalidSignature("signed body is not a JSON object")
    return event


def as_dict(obj: Any) -> dict[str, Any]:
    """Stripe response objects are not dicts; their JSON form is."""
    return json.loads(str(obj)) if not isinstance(obj, dict) else obj


def checkout_session(
    client: stripe.StripeClient,
    *,
    tenant_id: str,
    plan: str,
    price_id: str,
    seats: int,
    customer_id: str | None,
    email: str | None,
    trial_days: int,
    s: StripeSettings,
    idempotency_key: str,
    metered_price_ids: list[str] | None = None,
) -> dict[str, Any]:
    # Metered prices (billed usage) are line items without a quantity: Stripe bills what
    # the Billing Meter sums.
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": seats}]
        + [{"price": p} for p in metered_price_ids or []],
        "client_reference_id": tenant_id,
        "metadata": {"tenant_id": tenant_id, "plan": plan},
        "subscription_data": {"metadata": {"tenant_id": tenant_id, "plan": plan}},
        "success_url": s.success_url,
        "cancel_url": s.cancel_url,
    }
    if trial_days > 0:
        # A trial needs no card: Checkout asks for one only if required, and a trial that
        # ends without one is cancelled by Stripe (the tenant falls back to the free plan;
        # api.expire_trials does the same if Stripe's event never arrives).
        params["subscription_data"]["trial_period_days"] = trial_days
        params["subscription_data"]["trial_settings"] = {
            "end_behavior": {"missing_payment_method": "cancel"}
        }
        params["payment_method_collection"] = "if_required"
    if customer_id:
        params["customer"] = customer_id
    elif email:
        params["customer_email"] = email
    return as_dict(client.v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key}))  # type: ignore[arg-type]


def portal_session(client: stripe.StripeClient, customer_id: str, s: StripeSettings) -> dict:
    return as_dict(
        client.v1.billing_portal.sessions.create(
            {"customer": customer_id, "return_url": s.return_url}
        )
    )


def update_subscription(
    client: stripe.StripeClient,
    subscription_id: str,
    params: dict[str, Any],
    idempotency_key: str,
) -> dict[str, Any]:
    return as_dict(
        client.v1.subscriptions.update(
            subscription_id, params, {"idempotency_key": idempotency_key}
        )
    )  # type: ignore[arg-type]


def retrieve_subscription(client: stripe.StripeClient, subscription_id: str) -> dict[str, Any]:
    """A subscription as Stripe has it now (sync_stripe_status)."""
    return as_dict(client.v1.subscriptions.retrieve(subscription_id))


def cancel_subscription_now(
    client: stripe.StripeClient, subscription_id: str, idempotency_key: str
) -> dict[str, Any]:
    """End a subscription at once (administrators). No proration refund is made; Stripe's
    customer.subscription.deleted event then moves the tenant to the free plan."""
    return as_dict(
        client.v1.subscriptions.cancel(
            subscription_id, {"prorate": False}, {"idempotency_key": idempotency_key}
        )
    )  # type: ignore[arg-type]


def upcoming_invoice(client: stripe.StripeClient, customer_id: str, subscription_id: str) -> dict:
    return as_dict(
        client.v1.invoices.create_preview(
            {"customer": customer_id, "subscription": subscription_id}
        )
    )


def add_subscription_item(
    client: stripe.StripeClient,
    subscription_id: str,
    price_id: str,
    quantity: int,
    idempotency_key: str,
) -> dict[str, Any]:
    return as_dict(
        client.v1.subscription_items.create(
            {
                "subscription": subscription_id,
                "price": price_id,
                "quantity": quantity,
                "proration_behavior": "create_prorations",
            },
            {"idempotency_key": idempotency_key},
        )
    )  # type: ignore[arg-type]


def update_subscription_item(
    client: stripe.StripeClient, item_id: str, quantity: int, idempotency_key: str
) -> dict[str, Any]:
    return as_dict(
        client.v1.subscription_items.update(
            item_id,
            {"quantity": quantity, "proration_behavior": "create_prorations"},
            {"idempotency_key": idempotency_key},
        )
    )  # type: ignore[arg-type]


def remove_subscription_item(
    client: stripe.StripeClient, item_id: str, idempotency_key: str | None = None
) -> dict[str, Any] | None:
    """Delete an add-on's item at the end of its paid period: no proration (it was paid
    for in full). An item Stripe no longer has counts as removed (None)."""
    try:
        return as_dict(
            client.v1.subscription_items.delete(
                item_id,
                {"proration_behavior": "none"},
                {"idempotency_key": idempotency_key} if idempotency_key else None,
            )
        )  # type: ignore[arg-type]
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing":
            return None
        raise


# -- Metered billing: the catalog, Billing Meters, meter events ------------------------------
# Used by `ratecard stripe sync-catalog` (ratecard/stripe_catalog.py), the usage reporting
# and reconciliation jobs (jobs/metering.py). Which objects to make and what to send is
# decided in SQL (api.stripe_catalog_spec, api.usage_reports_to_send).


class MeterEventRefused(RatecardError):
    """Stripe refused a meter event (or its cancellation) for good: `reason` is too_old (the
    timestamp is outside Stripe's 35-day window) or rejected (anything else: an unknown
    customer, no active meter for the event name, an event too old to cancel)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _missing(exc: stripe.StripeError) -> bool:
    return isinstance(exc, stripe.InvalidRequestError) and exc.code == "resource_missing"


def retrieve_product(client: stripe.StripeClient, product_id: str) -> dict[str, Any] | None:
    try:
        return as_dict(client.v1.products.retrieve(product_id))
    except stripe.InvalidRequestError as exc:
        if _missing(exc):
            return None
        raise


def create_product(
    client: stripe.StripeClient, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return as_dict(client.v1.products.create(params, {"idempotency_key": idempotency_key}))  # type: ignore[arg-type]


def update_product(
    client: stripe.StripeClient, product_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    return as_dict(client.v1.products.update(product_id, params))  # type: ignore[arg-type]


def list_meters(client: stripe.StripeClient) -> list[dict[str, Any]]:
    """Every Billing Meter of the account, active or not."""
    page = client.v1.billing.meters.list({"limit": 100})
    return [as_dict(m) for m in page.auto_paging_iter()]


def create_meter(
    client: stripe.StripeClient, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return as_dict(client.v1.billing.meters.create(params, {"idempotency_key": idempotency_key}))  # type: ignore[arg-type]


def update_meter(
    client: stripe.StripeClient, meter_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    return as_dict(client.v1.billing.meters.update(meter_id, params))  # type: ignore[arg-type]


def reactivate_meter(client: stripe.StripeClient, meter_id: str) -> dict[str, Any]:
    return as_dict(client.v1.billing.meters.reactivate(meter_id))


def prices_by_lookup_key(client: stripe.StripeClient, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The prices holding these lookup keys (Stripe takes ten keys per request)."""
    found: dict[str, dict[str, Any]] = {}
    for i in range(0, len(keys), 10):
        page = client.v1.prices.list({"lookup_keys": keys[i : i + 10], "limit": 100})
        for price in page.auto_paging_iter():
            p = as_dict(price)
            if p.get("lookup_key"):
                found[p["lookup_key"]] = p
    return found


def retrieve_price(client: stripe.StripeClient, price_id: str) -> dict[str, Any] | None:
    try:
        return as_dict(client.v1.prices.retrieve(price_id))
    except stripe.InvalidRequestError as exc:
        if _missing(exc):
            return None
        raise


def create_price(
    client: stripe.StripeClient, params: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    return as_dict(client.v1.prices.create(params, {"idempotency_key": idempotency_key}))  # type: ignore[arg-type]


def update_price(
    client: stripe.StripeClient, price_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    return as_dict(client.v1.prices.update(price_id, params))  # type: ignore[arg-type]


def _duplicate(exc: stripe.InvalidRequestError) -> bool:
    return "already exists" in (exc.user_message or str(exc))


def _timestamp_refused(exc: stripe.InvalidRequestError) -> bool:
    return exc.param == "timestamp" or "35 calendar days" in (exc.user_message or str(exc))


def send_meter_event(
    client: stripe.StripeClient,
    *,
    event_name: str,
    customer: str,
    value: int,
    timestamp: int,
    identifier: str,
) -> str:
    """Send one meter event. Returns "created", or "duplicate" when Stripe already has an
    event with this identifier (an earlier attempt reached it): both mean delivered.
    MeterEventRefused for a refusal no retry mends; rate limits (stripe.RateLimitError),
    Stripe's server errors and network failures are raised as they are, to be retried.
    The idempotency key is the identifier's, so a retry within Stripe's 24 hours is
    answered with the first answer."""
    try:
        client.v1.billing.meter_events.create(
            {
                "event_name": event_name,
                "payload": {"stripe_customer_id": customer, "value": str(value)},
                "identifier": identifier,
                "timestamp": timestamp,
            },
            {"idempotency_key": f"meter-event:{identifier}"},
        )
        return "created"
    except stripe.RateLimitError:
        raise
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 400 and _duplicate(exc):
            return "duplicate"
        if exc.http_status in (400, 404):
            reason = "too_old" if _timestamp_refused(exc) else "rejected"
            raise MeterEventRefused(reason, exc.user_message or str(exc)) from None
        raise


def cancel_meter_event(client: stripe.StripeClient, *, event_name: str, identifier: str) -> None:
    """Cancel the meter event with this identifier (Stripe allows it within 24 hours of
    receiving the event). MeterEventRefused("rejected", ...) when Stripe refuses."""
    try:
        client.v1.billing.meter_event_adjustments.create(
            {"event_name": event_name, "type": "cancel", "cancel": {"identifier": identifier}},
            {"idempotency_key": f"meter-event-cancel:{identifier}"},
        )
    except stripe.RateLimitError:
        raise
    except stripe.InvalidRequestError as exc:
        if exc.http_status in (400, 404):
            raise MeterEventRefused("rejected", exc.user_message or str(exc)) from None
        raise


def meter_event_summary(
    client: stripe.StripeClient, meter_id: str, customer: str, start: int, end: int
) -> int:
    """Stripe's aggregated value of a customer's events on a meter in [start, end) (Unix
    seconds, minute-aligned)."""
    page = client.v1.billing.meters.event_summaries.list(
        meter_id, {"customer": customer, "start_time": start, "end_time": end, "limit": 100}
    )
    return int(sum(float(as_dict(s)["aggregated_value"]) for s in page.auto_paging_iter()))
