"""Tenant billing routes against the real stripe client and a recording fake Stripe
(api/routes/billing.py): what was sent, and the answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import stripe
from litestar.testing import TestClient

from api.app import create_app
from ratecard.config import Settings
from ratecard.stripe_gateway import StripeSettings
from tests.api.conftest import WEBHOOK_SECRET, Demo
from tests.fake_stripe import FakeStripe
from tests.stripe_fixtures import event, subscription

T = 1_767_225_600


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def billing(settings: Settings, fake: FakeStripe, demo: Demo, db) -> Iterator[TestClient]:
    db.execute("select api.set_plan_prices('pro', 'price_pro_monthly', 'price_pro_annual')")
    db.execute("select api.define_plan('enterprise', 'Enterprise', 49900)")
    db.execute("select api.set_plan_prices('enterprise', 'price_ent_monthly')")
    db.execute("select api.set_addon_prices('extra_emails', 'price_emails')")
    s = StripeSettings(secret_key="sk_test_1", webhook_secret=WEBHOOK_SECRET, api_base=fake.url)
    with TestClient(
        app=create_app(settings, stripe_settings=s), raise_server_exceptions=False
    ) as c:
        yield c


def subscribe(client: TestClient, demo: Demo, seats: int = 1, **kw) -> None:
    kw.setdefault("unit_amount", 4900)
    sub = subscription(
        "sub_B1", "cus_B1", "price_pro_monthly", quantity=seats, tenant_id=str(demo.acme), **kw
    )
    body = json.dumps(event(f"evt_{seats}_{len(kw) - 1}", "customer.subscription.updated", T, sub))
    sig = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    r = client.post(
        "/webhooks/stripe",
        content=body.encode(),
        headers={"Stripe-Signature": sig, "Content-Type": "application/json"},
    )
    assert r.json()["status"] == "applied", r.text


def test_checkout_sends_tenant_plan_and_seats(
    billing: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    r = billing.post("/v1/billing/checkout", json={"plan": "pro", "seats": 3}, headers=demo.tenant)
    assert r.status_code == 200, r.text
    assert r.json()["url"].startswith("https://checkout.stripe.com/")
    [req] = fake.find("POST", "/v1/checkout/sessions")
    p = req.params
    assert (
        p["client_reference_id"],
        p["metadata[tenant_id]"],
        p["line_items[0][price]"],
        p["line_items[0][quantity]"],
        p["mode"],
    ) == (str(demo.acme), str(demo.acme), "price_pro_monthly", "3", "subscription")
    assert p["subscription_data[trial_period_days]"] == "14"
    assert req.headers["Idempotency-Key"].startswith(f"checkout:{demo.acme}:")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"plan": "gold"}, 404, "tier_not_found"),
        ({"plan": "enterprise", "interval": "year"}, 400, "stripe_price_not_configured"),
        ({"plan": "pro", "seats": 0}, 422, "invalid_amount"),
    ],
)
def test_checkout_errors(
    billing: TestClient, demo: Demo, fake: FakeStripe, body, status, code
) -> None:
    r = billing.post("/v1/billing/checkout", json=body, headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert fake.requests == []


def test_upgrade_prorates_and_downgrade_waits(
    billing: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    subscribe(billing, demo, seats=2)
    r = billing.post("/v1/billing/change-plan", json={"plan": "enterprise"}, headers=demo.tenant)
    assert r.json()["action"] == "upgrade"
    [req] = fake.find("POST", "/v1/subscriptions/sub_B1")
    assert (
        req.params["items[0][price]"],
        req.params["items[0][quantity]"],
        req.params["proration_behavior"],
    ) == ("price_ent_monthly", "2", "create_prorations")
    fake.requests.clear()
    r = billing.post(
        "/v1/billing/change-plan", json={"plan": "pro", "interval": "month"}, headers=demo.tenant
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_argument")  # already on it


def test_seats_cancel_reactivate(billing: TestClient, demo: Demo, fake: FakeStripe) -> None:
    assert billing.post("/v1/billing/cancel", headers=demo.tenant).json()["code"] == (
        "no_active_subscription"
    )
    subscribe(billing, demo)
    assert (
        billing.post("/v1/billing/seats", json={"seats": 4}, headers=demo.tenant).status_code == 200
    )
    assert billing.post("/v1/billing/cancel", headers=demo.tenant).status_code == 200
    r = billing.post("/v1/billing/reactivate", headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (400, "subscription_not_cancelled")
    subscribe(billing, demo, cancel_at_period_end=True)
    assert billing.post("/v1/billing/reactivate", headers=demo.tenant).status_code == 200
    sent = [
        (r.params.get("items[0][quantity]"), r.params.get("cancel_at_period_end"))
        for r in fake.find("POST", "/v1/subscriptions/sub_B1")
    ]
    assert sent == [("4", None), (None, "true"), (None, "false")]


def test_stripe_errors_are_clear(billing: TestClient, demo: Demo, fake: FakeStripe) -> None:
    subscribe(billing, demo)
    fake.forced["POST /v1/subscriptions/sub_B1"] = (
        402,
        {"error": {"type": "card_error", "code": "card_declined", "message": "declined"}},
    )
    r = billing.post("/v1/billing/seats", json={"seats": 2}, headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (402, "card_declined")
    assert r.json()["detail"]["stripe_request_id"].startswith("req_fake_")
    fake.forced["POST /v1/subscriptions/sub_B1"] = (500, {"error": {"type": "api_error"}})
    r = billing.post("/v1/billing/seats", json={"seats": 2}, headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (502, "stripe_error")


def test_reads_portal_invoice_preview_addons(
    billing: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    assert billing.post("/v1/billing/portal", headers=demo.tenant).json()["code"] == (
        "no_billing_account"
    )
    subscribe(billing, demo, seats=2)
    sub = billing.get("/v1/billing/subscription", headers=demo.tenant).json()
    assert (sub["plan"], sub["seats"], sub["mrr_cents"]) == ("pro", 2, 9800)
    usage = {u["feature"]: u for u in billing.get("/v1/billing/usage", headers=demo.tenant).json()}
    assert usage["ai_tokens"]["is_unlimited"] is False
    assert usage["sso"]["enabled"] is False
    assert (
        billing.get("/v1/billing/upcoming-invoice", headers=demo.tenant).json()["amount_due"]
        == 14700
    )
    r = billing.post(
        "/v1/billing/addons/purchase",
        json={"addon": "extra_emails", "quantity": 2},
        headers=demo.tenant,
    )
    assert r.json()["stripe_item_id"] == "si_new"
    [item] = fake.find("POST", "/v1/subscription_items")
    assert (item.params["price"], item.params["quantity"]) == ("price_emails", "2")
    assert billing.get("/v1/billing/invoices", headers=demo.tenant).json() == []
    assert billing.get("/v1/billing/subscription", headers=demo.service).status_code == 403


def test_not_configured_is_503(client: TestClient, demo: Demo) -> None:
    r = client.post("/v1/billing/checkout", json={"plan": "pro"}, headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (503, "payment_system_not_configured")
    assert client.get("/v1/billing/usage", headers=demo.tenant).status_code == 200
