"""The billing page (api/pages/billing.py) over HTTP: the link and its cookie, refusals,
CSRF, the security headers, one SQL call per request, and every form's effect through the
same SQL functions and Stripe requests as the billing API (a recording fake Stripe)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo
from tests.api.pages.conftest import csrf, open_billing, sql_calls, subscribe
from tests.fake_stripe import FakeStripe


def test_the_link_opens_the_page_on_a_session_cookie(pages: TestClient, demo: Demo) -> None:
    r = pages.post(f"/v1/tenants/{demo.acme}/billing-session", headers=demo.service)
    url = urlsplit(r.json()["url"])
    r = pages.get(f"{url.path}?{url.query}", follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"rc_billing={demo.acme}.")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/billing" in cookie
    assert "Secure" not in cookie  # http here; RATECARD_PUBLIC_URL https makes it Secure
    before = sql_calls(pages)
    r = pages.get("/billing")
    assert sql_calls(pages) - before == 1
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    page = r.text
    assert "<title>Billing · Acme Corp</title>" in page
    assert "Starter" in page and "AI decisions" in page and "of 100" in page


def test_a_used_tampered_or_expired_link_is_refused(
    pages: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    r = pages.post(f"/v1/tenants/{demo.acme}/billing-session", headers=demo.service)
    url = urlsplit(r.json()["url"])
    token = parse_qs(url.query)["token"][0]
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    r = pages.get("/billing/enter", params={"token": tampered})
    assert r.status_code == 401 and "This billing link is not valid." in r.text
    assert pages.get("/billing/enter", params={"token": token}).status_code == 200  # the page
    r = pages.get("/billing/enter", params={"token": token})
    assert r.status_code == 401 and "already used" in r.text
    assert "rc_billing=" in r.headers["set-cookie"]  # the refusal clears the cookie
    db.execute("select internal.set_clock(now() + interval '16 minutes')")
    r = pages.post(f"/v1/tenants/{demo.acme}/billing-session", headers=demo.service)
    fresh = parse_qs(urlsplit(r.json()["url"]).query)["token"][0]
    db.execute("select internal.set_clock(now() + interval '32 minutes')")
    r = pages.get("/billing/enter", params={"token": fresh})
    assert r.status_code == 401 and "expired" in r.text


def test_no_or_a_forged_cookie_shows_nothing(pages: TestClient, demo: Demo) -> None:
    r = pages.get("/billing")
    assert r.status_code == 401 and "Acme" not in r.text
    open_billing(pages, demo)
    real = pages.cookies.get("rc_billing")
    assert real is not None
    # another tenant's id with this secret is nobody's session
    forged = f"{demo.globex}.{real.split('.')[1]}"
    pages.cookies.set("rc_billing", forged, path="/billing")
    r = pages.get("/billing")
    assert r.status_code == 401 and "Globex" not in r.text


def test_the_session_ends_after_an_hour_and_on_sign_out(
    pages: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    open_billing(pages, demo)
    db.execute("select internal.set_clock(now() + interval '61 minutes')")
    r = pages.get("/billing")
    assert r.status_code == 401 and "expired" in r.text
    db.execute("select internal.set_clock(null)")
    open_billing(pages, demo)
    cookie = pages.cookies.get("rc_billing")
    r = pages.post("/billing/sign-out", data={"_csrf_token": csrf(pages)})
    assert r.status_code == 200 and "signed out" in r.text
    pages.cookies.set("rc_billing", cookie, path="/billing")
    assert pages.get("/billing").status_code == 401


def test_every_form_needs_its_csrf_token(
    pages: TestClient, demo: Demo, fake: FakeStripe, db: psycopg.Connection
) -> None:
    open_billing(pages, demo)
    subscribe(pages, demo)
    for data in ({}, {"_csrf_token": "forged" * 20}):
        r = pages.post("/billing/subscription/cancel", data=data, follow_redirects=False)
        assert r.status_code == 403 and "This form has expired" in r.text
    assert fake.requests == []
    r = pages.post(
        "/billing/subscription/cancel", data={"_csrf_token": csrf(pages)}, follow_redirects=False
    )
    assert (r.status_code, r.headers["location"]) == (303, "/billing?notice=cancel_requested")
    [req] = fake.find("POST", "/v1/subscriptions/sub_P1")
    assert req.params["cancel_at_period_end"] == "true"


def test_checkout_goes_to_stripe_and_comes_back_to_the_page(
    pages: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    open_billing(pages, demo)
    page = pages.get("/billing").text
    assert 'action="/billing/checkout"' in page and "Start free trial" in page
    before = sql_calls(pages)
    r = pages.post(
        "/billing/checkout",
        data={"plan": "pro", "interval": "month", "seats": "3", "_csrf_token": csrf(pages)},
        follow_redirects=False,
    )
    assert sql_calls(pages) - before == 1
    assert (r.status_code, r.headers["location"]) == (
        303,
        "https://checkout.stripe.com/c/cs_test_1",
    )
    [req] = fake.find("POST", "/v1/checkout/sessions")
    assert (req.params["line_items[0][price]"], req.params["line_items[0][quantity]"]) == (
        "price_pro_monthly",
        "3",
    )
    assert req.params["client_reference_id"] == str(demo.acme)
    assert req.params["success_url"].startswith("http://testserver.local/billing/success?")
    assert req.params["cancel_url"] == "http://testserver.local/billing/checkout-canceled"
    r = pages.get("/billing/success?session_id=cs_test_1", follow_redirects=False)
    assert r.headers["location"] == "/billing?notice=checkout_complete"
    assert "starts as soon as Stripe confirms it" in pages.get(r.headers["location"]).text


def test_upgrade_now_downgrade_later(pages: TestClient, demo: Demo, fake: FakeStripe) -> None:
    open_billing(pages, demo)
    subscribe(pages, demo, quantity=2)
    page = pages.get("/billing").text
    assert "Upgrade to Enterprise" in page and "Move to Starter" in page
    r = pages.post(
        "/billing/change-plan",
        data={"plan": "enterprise", "interval": "month", "_csrf_token": csrf(pages)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/billing?notice=upgrade_requested"
    [req] = fake.find("POST", "/v1/subscriptions/sub_P1")
    assert (req.params["items[0][price]"], req.params["proration_behavior"]) == (
        "price_ent_monthly",
        "create_prorations",
    )
    fake.requests.clear()
    r = pages.post(
        "/billing/change-plan",
        data={"plan": "pro", "interval": "year", "_csrf_token": csrf(pages)},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/billing?notice=upgrade_requested"  # monthly to yearly


def test_errors_come_back_as_codes_and_change_nothing(
    pages: TestClient, demo: Demo, fake: FakeStripe
) -> None:
    open_billing(pages, demo)
    token = csrf(pages)
    for path, data, code in [
        ("/billing/change-plan", {"plan": "pro"}, "no_active_subscription"),
        ("/billing/portal", {}, "no_billing_account"),
        ("/billing/checkout", {"plan": "gold"}, "tier_not_found"),
        ("/billing/checkout", {"plan": "pro", "seats": "0"}, "invalid_amount"),
        ("/billing/addons/extra_emails/cancel", {}, "addon_not_found"),
        ("/billing/checkout", {"plan": "pro\x00"}, "invalid_argument"),  # text cannot hold NUL
        ("/billing/change-plan", {"plan": "pro", "interval": "\x00"}, "invalid_argument"),
    ]:
        r = pages.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)
        assert r.headers["location"] == f"/billing?error={code}", path
    assert fake.requests == []
    assert "choose a plan first" in pages.get("/billing?error=no_active_subscription").text.lower()


def test_without_stripe_the_page_reads_and_says_so(client: TestClient, demo: Demo) -> None:
    open_billing(client, demo)
    assert "Payments are not set up on this server" in client.get("/billing").text
    r = client.post(
        "/billing/checkout", data={"plan": "pro", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.headers["location"] == "/billing?error=payment_system_not_configured"


def test_addons_seats_and_reactivate(pages: TestClient, demo: Demo, fake: FakeStripe) -> None:
    open_billing(pages, demo)
    subscribe(pages, demo, quantity=2, cancel_at_period_end=True)
    page = pages.get("/billing").text
    assert "Keep my subscription" in page and "Update seats" in page
    token = csrf(pages)
    r = pages.post("/billing/seats", data={"seats": "5", "_csrf_token": token},
                   follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/billing?notice=seats_requested"
    r = pages.post("/billing/addons/extra_emails/buy", data={"quantity": "2", "_csrf_token": token},
                   follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/billing?notice=addon_requested"
    r = pages.post("/billing/subscription/reactivate", data={"_csrf_token": token},
                   follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/billing?notice=reactivate_requested"
    seats, reactivate = fake.find("POST", "/v1/subscriptions/sub_P1")
    assert seats.params["items[0][quantity]"] == "5"
    assert reactivate.params["cancel_at_period_end"] == "false"
    [item] = fake.find("POST", "/v1/subscription_items")
    assert (item.params["price"], item.params["quantity"]) == ("price_emails", "2")


@pytest.mark.parametrize("interval", ["month", "year"])
def test_the_interval_toggle_prices_the_cards(pages: TestClient, demo: Demo, interval) -> None:
    open_billing(pages, demo)
    page = pages.get(f"/billing?interval={interval}").text
    assert ("$490" in page) is (interval == "year")  # the demo's yearly Pro price
    assert ("$49<" in page) is (interval == "month")
    # AI tokens reset each billing period: a month, or a year when billed yearly
    assert ("<strong>5,000,000/yr<" in page) is (interval == "year")


def test_the_upgrade_banner_from_80_percent(pages: TestClient, demo: Demo) -> None:
    open_billing(pages, demo)
    assert 'class="banner"' not in pages.get("/billing").text
    pages.post("/v1/consume", json={"tenant_id": str(demo.acme), "feature": "ai_decisions",
                                    "amount": 80}, headers=demo.service)  # fmt: skip
    page = pages.get("/billing").text
    assert "You have used 80% of your AI decisions" in page and "Upgrade to Pro" in page


def test_billed_usage_shows_its_estimate_and_prices(pages: TestClient, demo: Demo) -> None:
    """The demo's Pro plan bills AI tokens past 5,000,000 at $5 per million (Model A),
    Enterprise from the first token (Model B): the page says so, and a Pro tenant at
    6,000,000 sees $5.00 estimated, not a banner telling it the limit is reached."""
    open_billing(pages, demo, demo.globex)
    page = pages.get("/billing").text
    assert '5,000,000/mo<small class="limit-price">then $5.00 per million</small>' in page
    assert "<strong>$0.02 per 1,000</strong>" in page and ">0/mo<" not in page
    pages.post("/v1/consume", json={"tenant_id": str(demo.globex), "feature": "ai_tokens",
                                    "amount": 6_000_000}, headers=demo.service)  # fmt: skip
    page = pages.get("/billing").text
    assert "5,000,000 included, 1,000,000 past it" in page
    assert "Estimated overage $5.00" in page
    assert 'class="banner"' not in page


def test_pages_are_not_in_the_openapi_document(pages: TestClient) -> None:
    paths = pages.get("/schema/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(("/billing", "/admin", "/static"))]


def test_vendor_files_are_served_with_their_licences(pages: TestClient) -> None:
    for path in ("/static/vendor/htmx/htmx.min.js", "/static/vendor/chartjs/chart.umd.min.js",
                 "/static/vendor/htmx/LICENSE", "/static/vendor/chartjs/LICENSE.md",
                 "/static/css/pages.css", "/static/js/pages.js"):  # fmt: skip
        r = pages.get(path)
        assert r.status_code == 200 and len(r.content) > 500, path
