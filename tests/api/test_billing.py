"""Tenant billing routes against the real stripe client and a recording fake Stripe
(api/routes/billing.py): what was sent, and the answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import stripe
from litestar.testing import TestClient

from api.app import create_app
from jobs import billing as billing_jobs
from ratecard import stripe_gateway as gw
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
    # a trial needs no card; Stripe cancels one that ends without a payment method
    assert p["payment_method_collection"] == "if_required"
    assert p["subscription_data[trial_settings][end_behavior][missing_payment_method]"] == "cancel"
    assert req.headers["Idempotency-Key"].startswith(f"checkout:{demo.acme}:")


def test_checkout_default_trial_days_setting(
    settings: Settings, fake: FakeStripe, demo: Demo, db
) -> None:
    """RATECARD_DEFAULT_TRIAL_DAYS (0 here) applies to plans without their own trial."""
    db.execute("select api.define_plan('enterprise', 'Enterprise', 49900)")
    db.execute("select api.set_plan_prices('enterprise', 'price_ent_monthly')")
    s = StripeSettings(secret_key="sk_test_1", api_base=fake.url, default_trial_days=0)
    with TestClient(app=create_app(settings, stripe_settings=s)) as c:
        r = c.post("/v1/billing/checkout", json={"plan": "enterprise"}, headers=demo.tenant)
        assert r.status_code == 200, r.text
    [req] = fake.find("POST", "/v1/checkout/sessions")
    assert "subscription_data[trial_period_days]" not in req.params
    assert "payment_method_collection" not in req.params


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
    assert (r.status_code, r.json()["code"]) == (409, "already_on_plan")


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
    r = billing.post("/v1/billing/checkout", json={"plan": "enterprise"}, headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (400, "already_subscribed")
    assert billing.get("/v1/billing/subscription", headers=demo.service).status_code == 403


def test_not_configured_is_503(client: TestClient, demo: Demo) -> None:
    """Without STRIPE_SECRET_KEY every route that talks to Stripe answers 503; the rest work."""
    for method, path, body, headers in [
        ("post", "/v1/billing/checkout", {"plan": "pro"}, demo.tenant),
        ("post", "/v1/billing/portal", None, demo.tenant),
        ("get", "/v1/billing/upcoming-invoice", None, demo.tenant),
        ("post", "/v1/billing/change-plan", {"plan": "enterprise"}, demo.tenant),
        ("post", "/v1/billing/seats", {"seats": 2}, demo.tenant),
        ("post", "/v1/billing/addons/purchase", {"addon": "extra_emails"}, demo.tenant),
        ("post", "/v1/billing/cancel", None, demo.tenant),
        ("post", "/v1/billing/reactivate", None, demo.tenant),
        ("post", f"/v1/admin/tenants/{demo.acme}/subscription/cancel", None, demo.admin),
    ]:
        kw = {"json": body} if body is not None else {}
        r = getattr(client, method)(path, headers=headers, **kw)
        assert (r.status_code, r.json()["code"]) == (503, "payment_system_not_configured"), path
    for path in ("/v1/billing/usage", "/v1/billing/subscription", "/v1/billing/invoices"):
        assert client.get(path, headers=demo.tenant).status_code == 200
    assert client.get("/v1/admin/subscriptions", headers=demo.admin).status_code == 200


def deliver(client: TestClient, event_id: str, type_: str, created: int, obj: dict) -> dict:
    body = json.dumps(event(event_id, type_, created, obj))
    sig = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    r = client.post(
        "/webhooks/stripe",
        content=body.encode(),
        headers={"Stripe-Signature": sig, "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def acme_sub(demo: Demo, *, addon_qty: int = 0, **kw) -> dict:
    extra = [("si_emails", "price_emails", addon_qty)] if addon_qty else []
    kw.setdefault("unit_amount", 4900)
    return subscription(
        "sub_B1", "cus_B1", "price_pro_monthly", tenant_id=str(demo.acme), extra_items=extra, **kw
    )


def limit(client: TestClient, demo: Demo, feature: str) -> int | None:
    usage = client.get("/v1/billing/usage", headers=demo.tenant).json()
    return next(u["limit"] for u in usage if u["feature"] == feature)


def test_addon_cancelled_at_period_end_and_removed_by_the_worker(
    billing: TestClient, demo: Demo, fake: FakeStripe, db
) -> None:
    db.execute("select internal.set_clock('2026-01-10T00:00Z')")
    deliver(billing, "evt_a1", "customer.subscription.updated", T, acme_sub(demo, addon_qty=2))
    [held] = billing.get("/v1/billing/my-addons", headers=demo.tenant).json()
    assert (held["addon"], held["quantity"], held["billed_by_stripe"]) == ("extra_emails", 2, True)
    assert limit(billing, demo, "email_addresses") == 15

    r = billing.delete("/v1/billing/addons/extra_emails", headers=demo.tenant)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "addon": "extra_emails",
        "ends_at": "2026-02-01T00:00:00Z",
        "billed_by_stripe": True,
    }
    assert billing.delete("/v1/billing/addons/extra_emails", headers=demo.tenant).json() == r.json()
    assert fake.requests == []  # nothing asked of Stripe before the period ends
    assert limit(billing, demo, "email_addresses") == 15  # paid until then

    # buying it again before the end resumes it, without a Stripe call
    r = billing.post(
        "/v1/billing/addons/purchase",
        json={"addon": "extra_emails", "quantity": 2},
        headers=demo.tenant,
    )
    assert (r.json()["action"], r.json()["stripe_item_id"]) == ("resume", "si_emails")
    assert fake.requests == []
    billing.delete("/v1/billing/addons/extra_emails", headers=demo.tenant)

    db.execute("select internal.set_clock('2026-02-01T00:00:01Z')")
    s = StripeSettings(secret_key="sk_test_1", api_base=fake.url)
    db.execute("call api.run_job('end_due_addons')")
    ended = db.execute(
        "select result from api.job_runs where job = 'end_due_addons' order by id desc limit 1"
    ).fetchone()[0]
    assert ended == {"ended": 1}
    # the Stripe removal was queued at once (deduplicated with its schedule)
    queued = db.execute(
        "select dedupe_key from api.job_runs where job = 'remove_ended_addon_items'"
    ).fetchall()
    assert queued == [("schedule",)]
    assert _removals(db, s) == (1, 0)
    [req] = fake.find("DELETE", "/v1/subscription_items/si_emails")
    assert req.params["proration_behavior"] == "none"
    assert req.headers["Idempotency-Key"] == "addon-remove:si_emails"
    assert limit(billing, demo, "email_addresses") == 5
    [held] = billing.get("/v1/billing/my-addons", headers=demo.tenant).json()
    assert held["status"] == "canceled"

    # Stripe's event without the item drops the row; nothing is left to remove
    deliver(billing, "evt_a2", "customer.subscription.updated", T + 60, acme_sub(demo))
    assert billing.get("/v1/billing/my-addons", headers=demo.tenant).json() == []
    assert _removals(db, s) == (0, 0)


def _removals(db, s: StripeSettings) -> tuple[int, int]:
    """What the remove_ended_addon_items job does: (removed, failed)."""
    return billing_jobs.remove_ended_addon_items(db, gw.make_client(s))


def test_addon_removal_of_an_item_stripe_no_longer_has(
    billing: TestClient, demo: Demo, fake: FakeStripe, db
) -> None:
    deliver(billing, "evt_g1", "customer.subscription.updated", T, acme_sub(demo, addon_qty=1))
    db.execute("select api.revoke_addon(%s, 'extra_emails')", (demo.acme,))
    fake.forced["DELETE /v1/subscription_items/si_emails"] = (
        404,
        {"error": {"type": "invalid_request_error", "code": "resource_missing"}},
    )
    s = StripeSettings(secret_key="sk_test_1", api_base=fake.url)
    assert _removals(db, s) == (1, 0)  # missing counts as removed
    fake.forced["DELETE /v1/subscription_items/si_emails"] = (500, {"error": {"type": "api_error"}})
    assert _removals(db, s) == (0, 1)  # logged, tried again next run


def test_addon_quantity_change_and_errors(
    billing: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    deliver(billing, "evt_q1", "customer.subscription.updated", T, acme_sub(demo, addon_qty=1))
    r = billing.post(
        "/v1/billing/addons/purchase",
        json={"addon": "extra_emails", "quantity": 3},
        headers=demo.tenant,
    )
    assert (r.status_code, r.json()["action"]) == (200, "update"), r.text
    [req] = fake.find("POST", "/v1/subscription_items/si_emails")
    assert (req.params["quantity"], req.params["proration_behavior"]) == (
        "3",
        "create_prorations",
    )
    billing.delete("/v1/billing/addons/extra_emails", headers=demo.tenant)
    r = billing.post(
        "/v1/billing/addons/purchase",
        json={"addon": "extra_emails", "quantity": 5},
        headers=demo.tenant,
    )
    assert (r.status_code, r.json()["code"]) == (409, "addon_state_conflict")
    assert "current quantity (1)" in r.json()["hint"]
    assert len(fake.requests) == 1  # only the quantity change above reached Stripe
    for path, status, code in [
        ("/v1/billing/addons/custom_domain", 404, "addon_not_found"),  # not held
        ("/v1/billing/addons/nope", 404, "addon_not_found"),
    ]:
        r = billing.delete(path, headers=demo.tenant)
        assert (r.status_code, r.json()["code"]) == (status, code)
    assert billing.delete("/v1/billing/addons/extra_emails", headers=demo.service).status_code == (
        403
    )


def test_admin_cancels_now_and_the_tenant_falls_to_the_free_plan(
    billing: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    url = f"/v1/admin/tenants/{demo.acme}/subscription/cancel"
    r = billing.post(url, headers=demo.admin)
    assert (r.status_code, r.json()["code"]) == (400, "no_active_subscription")
    deliver(billing, "evt_c1", "customer.subscription.updated", T, acme_sub(demo))
    assert billing.post(url, headers=demo.tenant).status_code == 403
    r = billing.post(url, headers=demo.admin)
    assert r.status_code == 200, r.text
    assert r.json()["stripe_status"] == "canceled"
    [req] = fake.find("DELETE", "/v1/subscriptions/sub_B1")
    assert req.params["prorate"] == "false"
    assert req.headers["Idempotency-Key"] == "cancel-now:sub_B1"
    deliver(
        billing,
        "evt_c2",
        "customer.subscription.deleted",
        T + 60,
        acme_sub(demo, status="canceled"),
    )
    sub = billing.get("/v1/billing/subscription", headers=demo.tenant).json()
    assert (sub["status"], sub["mrr_cents"]) == ("canceled", 0)
    listed = billing.get(
        "/v1/admin/subscriptions", params={"status": "canceled"}, headers=demo.admin
    ).json()
    assert [s["tenant_id"] for s in listed] == [str(demo.acme)]
    active = billing.get("/v1/admin/subscriptions", params={"status": "active"}, headers=demo.admin)
    assert str(demo.acme) not in [s["tenant_id"] for s in active.json()]
    for params in ({"status": "gone"}, {"limit": 5000}):
        r = billing.get("/v1/admin/subscriptions", params=params, headers=demo.admin)
        assert (r.status_code, r.json()["code"]) == (422, "invalid_argument")
    assert billing.get("/v1/admin/subscriptions", headers=demo.tenant).status_code == 403
    assert limit(billing, demo, "email_addresses") == 1  # Starter, the free plan


def test_admin_suspension_and_stripe_events(
    billing: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    status_url = f"/v1/admin/tenants/{demo.acme}/status"
    r = billing.put(status_url, json={"status": "suspended"}, headers=demo.admin)
    assert r.json() == {
        "tenant_id": str(demo.acme),
        "status": "suspended",
        "admin_suspended": True,
        "billing_suspended": False,
    }
    deliver(billing, "evt_h1", "customer.subscription.updated", T, acme_sub(demo))
    assert (
        billing.post(
            "/v1/check", json={"tenant_id": str(demo.acme), "feature": "sso"}, headers=demo.service
        ).json()["allowed"]
        is False
    )
    r = billing.put(status_url, json={"status": "active"}, headers=demo.admin)
    assert r.json()["status"] == "active"
    for body, code in [
        ({"status": "gone"}, "invalid_argument"),
        ({}, "invalid_request"),
        ({"status": "active", "why": "x"}, "invalid_request"),
    ]:
        r = billing.put(status_url, json=body, headers=demo.admin)
        assert (r.status_code, r.json()["code"]) == (422, code), r.text
    r = billing.put(
        "/v1/admin/tenants/00000000-0000-0000-0000-000000000000/status",
        json={"status": "active"},
        headers=demo.admin,
    )
    assert (r.status_code, r.json()["code"]) == (404, "tenant_not_found")

    orphan = subscription("sub_O", "cus_nobody", "price_pro_monthly")
    assert deliver(billing, "evt_h2", "customer.subscription.created", T, orphan)["status"] == (
        "unknown_customer"
    )
    rows = billing.get(
        "/v1/admin/stripe-events", params={"status": "unknown_customer"}, headers=demo.admin
    ).json()
    assert [(e["event_id"], e["customer_id"]) for e in rows] == [("evt_h2", "cus_nobody")]
    assert rows[0]["next_attempt_at"] is not None
    r = billing.post(
        "/v1/admin/stripe-events/evt_h2/dismiss", json={"reason": "not ours"}, headers=demo.admin
    )
    assert r.json() == {"event_id": "evt_h2", "status": "dismissed", "dismissed_reason": "not ours"}
    rows = billing.get(
        "/v1/admin/stripe-events", params={"status": "dismissed"}, headers=demo.admin
    ).json()
    assert [e["event_id"] for e in rows] == ["evt_h2"]
    assert len(billing.get("/v1/admin/stripe-events", headers=demo.admin).json()) == 2
    for method, path, kw, status, code in [
        ("post", "/v1/admin/stripe-events/evt_h1/dismiss", {}, 409, "stripe_event_already_final"),
        ("post", "/v1/admin/stripe-events/evt_zz/dismiss", {}, 404, "stripe_event_not_found"),
        ("get", "/v1/admin/stripe-events", {"params": {"status": "x"}}, 422, "invalid_argument"),
        ("get", "/v1/admin/stripe-events", {"params": {"limit": 0}}, 422, "invalid_argument"),
    ]:
        r = getattr(billing, method)(path, headers=demo.admin, **kw)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert billing.get("/v1/admin/stripe-events", headers=demo.tenant).status_code == 403
