"""Metered billing over HTTP (api/routes/metering.py, GET /v1/billing/usage, checkout and
plan changes with metered items), with the demo catalog synced into the stateful fake
Stripe."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from ratecard.config import Settings
from ratecard.stripe_gateway import StripeSettings
from tests.api.conftest import _key
from tests.fake_stripe import FakeStripe
from tests.metered import Metered, demo_metered


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def m(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> Metered:
    return demo_metered(db, dsn, fake)


@pytest.fixture
def http(settings: Settings, fake: FakeStripe, m: Metered) -> Iterator[TestClient]:
    s = StripeSettings(secret_key="sk_test_1", api_base=fake.url)
    with TestClient(
        app=create_app(settings, stripe_settings=s), raise_server_exceptions=False
    ) as c:
        yield c


def test_billing_usage_shows_the_estimate(http: TestClient, m: Metered) -> None:
    pro = m.tenant("Pro Inc")
    m.subscribe(pro, "pro")
    key = _key(m.db, "tenant", pro)
    service = _key(m.db, "service")
    r = http.post(
        "/v1/consume",
        json={"tenant_id": str(pro), "feature": "ai_tokens", "amount": 6_000_000},
        headers=service,
    )
    assert r.json()["allowed"] is True
    usage = {u["feature"]: u for u in http.get("/v1/billing/usage", headers=key).json()}
    billed = usage["ai_tokens"]["billed"]
    assert {
        k: billed[k] for k in ("included", "used", "overage_units", "estimated_overage_cents")
    } == {
        "included": 5_000_000,
        "used": 6_000_000,
        "overage_units": 1_000_000,
        "estimated_overage_cents": 500,
    }
    assert billed["unit_price_cents"] == 0.0005 and billed["currency"] == "usd"
    assert billed["reported_to_stripe_up_to"] is not None  # the unit not yet reported
    assert usage["ai_decisions"]["billed"] is None  # not a billed feature
    m.send(pro)
    after = {u["feature"]: u for u in http.get("/v1/billing/usage", headers=key).json()}
    assert (
        after["ai_tokens"]["billed"]["reported_to_stripe_up_to"]
        >= billed["reported_to_stripe_up_to"]
    )


def test_admin_drift_reports_and_corrections(http: TestClient, m: Metered, fake) -> None:
    admin = _key(m.db, "admin")
    t = m.tenant("Ops Inc")
    m.subscribe(t, "pro")
    m.record(t, "ai_tokens", 900, "a")
    m.send(t)
    # a correction over HTTP, once per key
    body = {"feature": "ai_tokens", "amount": -100, "reason": "refund of a failed job"}
    path = f"/v1/admin/tenants/{t}/usage-corrections"
    r = http.post(path, json=body, headers={**admin, "Idempotency-Key": "ticket-7"})
    assert r.status_code == 200, r.text
    assert (r.json()["used"], r.json()["duplicate"]) == (800, False)
    r = http.post(path, json=body, headers={**admin, "Idempotency-Key": "ticket-7"})
    assert r.json()["duplicate"] is True
    r = http.post(path, json={**body, "amount": -5000}, headers={**admin, "Idempotency-Key": "t-8"})
    assert (r.status_code, r.json()["code"]) == (422, "correction_below_zero")
    r = http.post(path, json={**body, "amount": -1}, headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_idempotency_key")
    # the key in the body and in the header: only when they are the same
    keyed = {**body, "amount": -1, "idempotency_key": "t-9"}
    r = http.post(path, json=keyed, headers={**admin, "Idempotency-Key": "t-10"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_request")
    assert "differ" in r.json()["message"]
    m.send(t)
    assert m.stripe_total(t) == 800
    # reports, then drift
    reports = http.get(f"/v1/admin/usage-reports?tenant_id={t}", headers=admin).json()
    assert [(x["value"], x["status"]) for x in reports] == [(-100, "sent"), (900, "sent")]
    r = http.get("/v1/admin/usage-reports?status=lost", headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_argument")
    assert http.get("/v1/admin/usage-drift", headers=admin).json() == []
    fake.events[-1].canceled = True  # Stripe lost the replacement event
    from datetime import timedelta

    m.reconcile(t, settle=timedelta(0))
    (drift,) = http.get(f"/v1/admin/usage-drift?tenant_id={t}", headers=admin).json()
    assert (drift["ledger_units"], drift["reported_units"], drift["stripe_units"]) == (800, 800, 0)
    assert drift["stripe_difference"] == -800
    # resolving a report that is not flagged
    rid = reports[0]["report_id"]
    r = http.post(
        f"/v1/admin/tenants/{t}/usage-reports/{rid}/resolve",
        json={"action": "retry", "note": "x"},
        headers=admin,
    )
    assert (r.status_code, r.json()["code"]) == (409, "usage_report_not_flagged")
    r = http.post(
        f"/v1/admin/tenants/{t}/usage-reports/999999/resolve",
        json={"action": "retry", "note": "x"},
        headers=admin,
    )
    assert (r.status_code, r.json()["code"]) == (404, "usage_report_not_found")


def test_checkout_sells_the_plans_metered_prices(http: TestClient, m: Metered, fake) -> None:
    t = m.tenant("New Inc")
    key = _key(m.db, "tenant", t)
    r = http.post("/v1/billing/checkout", json={"plan": "pro", "seats": 2}, headers=key)
    assert r.status_code == 200, r.text
    (req,) = fake.find("POST", "/v1/checkout/sessions")
    assert req.data["line_items"] == [
        {"price": m.price("pro"), "quantity": "2"},
        {"price": m.price("pro", "ai_tokens")},  # metered: no quantity
    ]
    r = http.post(
        "/v1/billing/checkout", json={"plan": "enterprise", "interval": "year"}, headers=key
    )
    (_, req) = fake.find("POST", "/v1/checkout/sessions")
    assert req.data["line_items"] == [
        {"price": m.price("enterprise", interval="year"), "quantity": "1"},
        {"price": m.price("enterprise", "ai_tokens", "year")},
    ]


def test_a_plan_change_swaps_the_metered_items(http: TestClient, m: Metered, fake) -> None:
    t = m.tenant("Up Inc")
    m.subscribe(t, "pro")
    key = _key(m.db, "tenant", t)
    r = http.post("/v1/billing/change-plan", json={"plan": "enterprise"}, headers=key)
    assert r.json()["action"] == "upgrade", r.text
    (req,) = [x for x in fake.requests if x.path.startswith("/v1/subscriptions/")]
    items = req.data["items"]
    assert items[0]["price"] == m.price("enterprise")
    metered_item = m.db.execute(
        "select metered_items->0->>'item_id' from core.subscriptions where tenant_id = %s", (t,)
    ).fetchone()[0]
    assert items[1] == {"id": metered_item, "price": m.price("enterprise", "ai_tokens")}
