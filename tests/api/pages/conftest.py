"""The pages served in process (Litestar's TestClient), with Stripe pointed at the recording
fake and every SQL call counted (a page request makes one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

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


@dataclass
class CountingPool:
    """The app's pool, counting the connections taken: one per SQL call (api/db.py)."""

    pool: Any
    calls: int = 0
    queries: list[str] = field(default_factory=list)

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.pool.connection(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def pages(settings: Settings, fake: FakeStripe, demo: Demo, db) -> Iterator[TestClient]:
    db.execute("select api.set_plan_prices('pro', 'price_pro_monthly', 'price_pro_annual')")
    db.execute("select api.set_plan_prices('enterprise', 'price_ent_monthly')")
    db.execute("select api.set_addon_prices('extra_emails', 'price_emails')")
    s = StripeSettings(secret_key="sk_test_1", webhook_secret=WEBHOOK_SECRET, api_base=fake.url)
    with TestClient(
        app=create_app(settings, stripe_settings=s), raise_server_exceptions=False
    ) as c:
        c.app.state.pool = CountingPool(c.app.state.pool)
        yield c


def sql_calls(client: TestClient) -> int:
    return client.app.state.pool.calls


def open_billing(client: TestClient, demo: Demo, tenant: UUID | None = None) -> None:
    """Ask for a link as the host application would, and open it."""
    r = client.post(f"/v1/tenants/{tenant or demo.acme}/billing-session", headers=demo.service)
    assert r.status_code == 200, r.text
    url = urlsplit(r.json()["url"])
    r = client.get(f"{url.path}?{url.query}", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/billing"), r.text


def csrf(client: TestClient, path: str = "/billing") -> str:
    """The form token, after a GET that set the CSRF cookie."""
    token = client.cookies.get("rc_csrf")
    if token is None:
        client.get(path)
        token = client.cookies.get("rc_csrf")
    assert token
    return token


def sign_in(client: TestClient, demo: Demo) -> None:
    key = demo.admin["Authorization"].split()[1]
    r = client.post(
        "/admin/sign-in",
        data={"key": key, "next": "/admin", "_csrf_token": csrf(client, "/admin/sign-in")},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, "/admin"), r.text


def deliver(client: TestClient, ev: dict[str, Any]) -> None:
    body = json.dumps(ev)
    sig = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    r = client.post(
        "/webhooks/stripe",
        content=body.encode(),
        headers={"Stripe-Signature": sig, "Content-Type": "application/json"},
    )
    assert r.json()["status"] == "applied", r.text


def subscribe(
    client: TestClient, demo: Demo, price: str = "price_pro_monthly", n: int = 1, **kw: Any
) -> None:
    """Acme on a live Stripe subscription, as its webhook says."""
    kw.setdefault("unit_amount", 4900)
    sub = subscription("sub_P1", "cus_P1", price, tenant_id=str(demo.acme), **kw)
    deliver(client, event(f"evt_page_{n}", "customer.subscription.updated", T + n, sub))
