"""POST /webhooks/stripe: signature on the raw body, stored once, applied idempotently
(api/routes/webhooks.py). Payloads come from Stripe's fixtures and are signed with the
stripe package's own helper."""

from __future__ import annotations

import json
import time

import psycopg
import stripe
from litestar.testing import TestClient

from tests.api.conftest import WEBHOOK_SECRET, Demo
from tests.stripe_fixtures import event, subscription

T = 1_767_225_600


def post_event(
    client: TestClient,
    body: str,
    secret: str = WEBHOOK_SECRET,
    at: int | None = None,
    header: str | None = "sign",
):
    headers = {"Content-Type": "application/json"}
    if header == "sign":
        headers["Stripe-Signature"] = stripe.WebhookSignature.generate_signature_header(
            body, secret, timestamp=at
        )
    elif header is not None:
        headers["Stripe-Signature"] = header
    return client.post("/webhooks/stripe", content=body.encode(), headers=headers)


def _sub_event(demo: Demo, evt: str = "evt_w1", seats: int = 2) -> str:
    sub = subscription(
        "sub_H", "cus_H", "price_pro_monthly", quantity=seats, tenant_id=str(demo.acme)
    )
    return json.dumps(event(evt, "customer.subscription.updated", T, sub))


def _count(db: psycopg.Connection) -> int:
    return db.execute("select count(*) from core.stripe_events").fetchone()[0]


def test_verified_event_is_applied_once(client: TestClient, demo: Demo, db) -> None:
    db.execute("select api.set_plan_prices('pro', 'price_pro_monthly')")
    body = _sub_event(demo)
    r = post_event(client, body)
    assert r.status_code == 200
    assert r.json() == {
        "received": True,
        "event_id": "evt_w1",
        "duplicate": False,
        "status": "applied",
        "conflict": False,
    }
    r = post_event(client, body)
    assert (r.status_code, r.json()["duplicate"]) == (200, True)
    assert _count(db) == 1
    assert db.execute(
        "select plan, seats from core.subscriptions where tenant_id = %s", (demo.acme,)
    ).fetchone() == ("pro", 2)
    assert (
        db.execute(
            "select count(*) from core.subscription_history where tenant_id = %s", (demo.acme,)
        ).fetchone()[0]
        == 1
    )


def test_bad_signatures_store_nothing(client: TestClient, demo: Demo, db) -> None:
    body = _sub_event(demo)
    good = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    cases = [
        post_event(client, body, secret="whsec_wrong"),
        post_event(client, body, at=int(time.time()) - 3600),  # stale timestamp
        post_event(client, body, header=None),  # missing header
        post_event(client, body.replace('"quantity": 2', '"quantity": 9'), header=good),
        post_event(client, body + " ", header=good),  # not the exact bytes that were signed
    ]
    for r in cases:
        assert (r.status_code, r.json()["code"]) == (400, "invalid_signature"), r.text
    assert _count(db) == 0


def test_signed_but_malformed(client: TestClient, demo: Demo, db) -> None:
    r = post_event(client, "{not json")
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
    r = post_event(client, json.dumps({"id": "nope", "type": "x"}))
    assert (r.status_code, r.json()["code"]) == (400, "invalid_event")
    assert _count(db) == 0


def test_unknown_customer_is_stored_and_flagged(client: TestClient, demo: Demo, db) -> None:
    sub = subscription("sub_U", "cus_unknown", "price_pro_monthly")
    r = post_event(client, json.dumps(event("evt_u", "customer.subscription.created", T, sub)))
    assert (r.status_code, r.json()["status"]) == (200, "unknown_customer")
    r = post_event(
        client, json.dumps(event("evt_x", "charge.refunded", T, {"id": "ch_1", "object": "charge"}))
    )
    assert r.json()["status"] == "ignored"


def test_not_configured_is_503(settings, demo: Demo) -> None:
    from api.app import create_app
    from ratecard.stripe_gateway import StripeSettings

    with TestClient(
        app=create_app(settings, stripe_settings=StripeSettings()), raise_server_exceptions=False
    ) as c:
        r = c.post(
            "/webhooks/stripe",
            content=b"{}",
            headers={"Stripe-Signature": "t=1,v1=x", "Content-Type": "application/json"},
        )
    assert (r.status_code, r.json()["code"]) == (503, "payment_system_not_configured")
