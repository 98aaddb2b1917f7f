"""Browser tests: the pages in Debian's Chromium driven by Playwright (tests/browser/
chromium.py). One browser for all of them; each test gets the API served by uvicorn
on a free loopback port against its own database (demo catalog, Stripe pointed at the
recording fake) and a fresh browser context. A test fails if any page it opened logged a
console error or threw (CSP violations and failed scripts included)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest
import stripe
from playwright.sync_api import Browser, ConsoleMessage, Page, Response, sync_playwright

from api.app import create_app
from ratecard.config import Settings
from ratecard.seed import seed_demo
from ratecard.stripe_gateway import StripeSettings
from tests.browser.chromium import launch
from tests.fake_stripe import FakeStripe
from tests.serving import serve
from tests.stripe_fixtures import event, subscription

WEBHOOK_SECRET = "whsec_browser"
T = 1_767_225_600


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Playwright's synchronous API keeps an asyncio loop running in this thread while it is
    open: it closes with the last browser test (package scope), before the tests that run
    event loops of their own."""
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@dataclass
class Site:
    url: str
    db: psycopg.Connection
    fake: FakeStripe
    acme: UUID
    service_key: str
    admin_key: str

    def billing_link(self, tenant: UUID | None = None) -> str:
        r = httpx.post(
            f"{self.url}/v1/tenants/{tenant or self.acme}/billing-session",
            headers={"Authorization": f"Bearer {self.service_key}"},
        )
        r.raise_for_status()
        return str(r.json()["url"])

    def consume(self, feature: str, amount: int) -> None:
        r = httpx.post(
            f"{self.url}/v1/consume",
            json={"tenant_id": str(self.acme), "feature": feature, "amount": amount},
            headers={"Authorization": f"Bearer {self.service_key}"},
        )
        assert r.json()["allowed"], r.text

    def webhook(self, ev: dict[str, Any]) -> None:
        body = json.dumps(ev)
        sig = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
        r = httpx.post(
            f"{self.url}/webhooks/stripe",
            content=body.encode(),
            headers={"Stripe-Signature": sig, "Content-Type": "application/json"},
        )
        assert r.json()["status"] == "applied", r.text

    def subscription_event(self, n: int, price: str, **kw: Any) -> None:
        """Acme's Stripe subscription as its webhook says, on `price`."""
        kw.setdefault("unit_amount", 4900)
        sub = subscription("sub_W1", "cus_W1", price, tenant_id=str(self.acme), **kw)
        self.webhook(event(f"evt_browser_{n}", "customer.subscription.updated", T + n, sub))


@pytest.fixture
def site(dsn: str, db: psycopg.Connection) -> Iterator[Site]:
    seed_demo(dsn)
    db.execute("select api.set_plan_prices('pro', 'price_pro_monthly', 'price_pro_annual')")
    db.execute("select api.set_plan_prices('enterprise', 'price_ent_monthly')")
    acme = db.execute("select tenant_id from core.tenants where name = 'Acme Corp'").fetchone()
    service = db.execute("select api.create_api_key('service', 'browser')").fetchone()
    admin = db.execute("select api.create_api_key('admin', 'browser')").fetchone()
    assert acme and service and admin
    with FakeStripe() as fake:
        stripe_settings = StripeSettings(
            secret_key="sk_test_browser", webhook_secret=WEBHOOK_SECRET, api_base=fake.url
        )
        app = create_app(Settings(database_url=dsn), stripe_settings=stripe_settings)
        with serve(app, ready_path="/readyz", name="pages-under-test") as url:
            yield Site(url, db, fake, acme[0], service[0], admin[0])


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A desktop-sized page in a fresh context (no cookies). A console error, an uncaught
    exception or a file that does not load fails the test. Pages a test opens on purpose
    that answer 401 or 403 (a refused link, a wrong key) make Chromium log "Failed to load
    resource" for the page itself: only those are expected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    refused_pages: set[str] = set()

    def on_response(r: Response) -> None:
        if r.status < 400:
            return
        if r.request.resource_type == "document" and r.status in (401, 403):
            refused_pages.add(r.url)
        else:
            errors.append(f"{r.status} {r.request.resource_type} {r.url}")

    def on_console(m: ConsoleMessage) -> None:
        if m.type != "error":
            return
        if m.text.startswith("Failed to load resource") and m.location["url"] in refused_pages:
            return
        errors.append(f"console {m.type}: {m.text} ({m.location['url']})")

    pg.on("response", on_response)
    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert errors == [], errors


def sign_in(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/admin")
    page.get_by_label("Admin API key").fill(site.admin_key)
    page.get_by_label("Admin API key").press("Enter")
    page.wait_for_url(f"{site.url}/admin")
