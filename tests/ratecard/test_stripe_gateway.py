"""ratecard/stripe_gateway.py with the real `stripe` client against a recording server."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from ratecard import stripe_gateway as gw
from tests.fake_stripe import FakeStripe
from tests.stripe_fixtures import event, subscription

SECRET = "whsec_test_secret"


@pytest.fixture
def fake() -> FakeStripe:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def settings(fake: FakeStripe) -> gw.StripeSettings:
    return gw.StripeSettings(secret_key="sk_test_123", webhook_secret=SECRET, api_base=fake.url)


def test_checkout_sends_price_seats_trial_metadata_and_idempotency_key(fake, settings) -> None:
    client = gw.make_client(settings)
    cs = gw.checkout_session(
        client,
        tenant_id="t-1",
        plan="pro",
        price_id="price_pro_monthly",
        seats=3,
        customer_id=None,
        email="a@b.example",
        trial_days=14,
        s=settings,
        idempotency_key="ck-1",
    )
    assert cs["url"] == "https://checkout.stripe.com/c/cs_test_1"
    [req] = fake.find("POST", "/v1/checkout/sessions")
    p = req.params
    assert (p["mode"], p["line_items[0][price]"], p["line_items[0][quantity]"]) == (
        "subscription",
        "price_pro_monthly",
        "3",
    )
    assert (p["client_reference_id"], p["metadata[tenant_id]"], p["metadata[plan]"]) == (
        "t-1",
        "t-1",
        "pro",
    )
    assert p["subscription_data[metadata][tenant_id]"] == "t-1"
    assert p["subscription_data[trial_period_days]"] == "14"
    assert p["customer_email"] == "a@b.example"
    assert req.headers["Idempotency-Key"] == "ck-1"
    assert req.headers["Authorization"] == "Bearer sk_test_123"


def test_upgrade_prorates(fake, settings) -> None:
    client = gw.make_client(settings)
    sub = gw.update_subscription(
        client,
        "sub_1",
        {
            "items": [{"id": "si_1", "price": "price_ent", "quantity": 2}],
            "proration_behavior": "create_prorations",
        },
        "chg-1",
    )
    assert sub["items"]["data"][0]["price"]["id"] == "price_ent"
    [req] = fake.find("POST", "/v1/subscriptions/sub_1")
    assert req.params["proration_behavior"] == "create_prorations"
    assert req.params["items[0][id]"] == "si_1"
    assert req.headers["Idempotency-Key"] == "chg-1"


def test_preview_portal_and_items(fake, settings) -> None:
    client = gw.make_client(settings)
    assert gw.upcoming_invoice(client, "cus_1", "sub_1")["amount_due"] == 14700
    assert gw.portal_session(client, "cus_1", settings)["url"].startswith("https://billing")
    assert gw.add_subscription_item(client, "sub_1", "price_addon", 2, "add-1")["id"] == "si_new"
    gw.remove_subscription_item(client, "si_new")
    [delete] = fake.find("DELETE", "/v1/subscription_items/si_new")
    assert delete.params["proration_behavior"] == "none"
    item = gw.update_subscription_item(client, "si_new", 3, "qty-1")
    assert item["quantity"] == 3
    [update] = fake.find("POST", "/v1/subscription_items/si_new")
    assert (update.params["quantity"], update.headers["Idempotency-Key"]) == ("3", "qty-1")
    canceled = gw.cancel_subscription_now(client, "sub_1", "now-1")
    assert canceled["status"] == "canceled"
    [cancel] = fake.find("DELETE", "/v1/subscriptions/sub_1")
    assert (cancel.params["prorate"], cancel.headers["Idempotency-Key"]) == ("false", "now-1")


def test_stripe_errors_carry_the_request_id(fake, settings) -> None:
    fake.forced["POST /v1/subscriptions/sub_x"] = (
        402,
        {"error": {"type": "card_error", "code": "card_declined", "message": "declined"}},
    )
    with pytest.raises(stripe.CardError) as info:
        gw.update_subscription(gw.make_client(settings), "sub_x", {"quantity": 2}, "k")
    assert info.value.request_id and info.value.request_id.startswith("req_fake_")


def test_not_configured() -> None:
    with pytest.raises(gw.StripeNotConfigured):
        gw.make_client(gw.StripeSettings())


def _signed(payload: str, secret: str = SECRET, at: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=at)


def test_verify_webhook_accepts_exact_body_only(settings) -> None:
    body = json.dumps(
        event(
            "evt_1", "customer.subscription.updated", 1, subscription("sub_1", "cus_1", "price_x")
        )
    )
    header = _signed(body)
    assert gw.verify_webhook(body.encode(), header, settings)["id"] == "evt_1"
    for raw, sig in [
        (body.replace("sub_1", "sub_2").encode(), header),  # tampered
        (body.encode(), _signed(body, "whsec_other")),  # wrong secret
        (body.encode(), _signed(body, at=int(time.time()) - 3600)),  # stale timestamp
        (body.encode(), None),  # missing header
        (body.encode(), "garbage"),
    ]:
        with pytest.raises(gw.InvalidSignature):
            gw.verify_webhook(raw, sig, settings)
