"""The billing page in Chromium: a host application's link opens it with the right plan and
usage; at 80% of a quota the upgrade banner shows; a plan change goes to the fake Stripe
and the new limits show once its webhook arrives; an expired or tampered link is refused;
the page is usable by keyboard and at a phone's width. No console error on any page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site


def meter(page: Page, name: str):
    return page.locator(".meter").filter(has=page.locator(".meter-name", has_text=name))


def test_the_link_shows_the_plan_and_usage_and_the_banner_at_80(page: Page, site: Site) -> None:
    site.consume("ai_decisions", 79)
    page.goto(site.billing_link())
    expect(page).to_have_url(f"{site.url}/billing")
    expect(page).to_have_title("Billing · Acme Corp")
    expect(page.locator(".plan-name")).to_have_text("Starter")
    ai = meter(page, "AI decisions")
    expect(ai).to_contain_text("79 of 100 decisions")
    expect(ai).to_have_class(re.compile(r"meter-high"))  # amber from 70%
    expect(ai.locator("progress")).to_have_attribute("value", "79")
    expect(page.locator(".banner")).to_have_count(0)
    site.consume("ai_decisions", 1)
    page.reload()
    banner = page.get_by_role("region", name=re.compile("You have used 80% of your AI decisions"))
    expect(banner).to_be_visible()
    banner.get_by_role("link", name="Upgrade to Pro").click()
    expect(page).to_have_url(re.compile(r"#plan-pro$"))
    expect(page.locator("#plan-pro")).to_contain_text("Recommended")
    # the yearly toggle prices the cards by the year, without JavaScript
    page.get_by_role("link", name="Yearly").click()
    expect(page.locator("#plan-pro .price")).to_contain_text("$490")
    expect(page.get_by_role("link", name="Yearly")).to_have_attribute("aria-current", "true")


def test_a_plan_change_shows_the_new_limits_after_its_webhook(page: Page, site: Site) -> None:
    site.subscription_event(1, "price_pro_monthly", quantity=2)
    page.goto(site.billing_link())
    expect(page.locator(".plan-name")).to_have_text("Pro")
    expect(meter(page, "AI decisions")).to_contain_text("of 10,000")
    page.locator("#plan-enterprise").get_by_role("button", name="Upgrade to Enterprise").click()
    expect(page.get_by_role("status")).to_contain_text("Your upgrade is on its way")
    [req] = site.fake.find("POST", "/v1/subscriptions/sub_W1")
    assert req.params["items[0][price]"] == "price_ent_monthly"
    expect(page.locator(".plan-name")).to_have_text("Pro")  # nothing changes before Stripe says
    site.subscription_event(2, "price_ent_monthly", unit_amount=49900)
    page.reload()
    expect(page.locator(".plan-name")).to_have_text("Enterprise")
    expect(meter(page, "AI decisions")).to_contain_text("Unlimited")
    expect(page.locator(".checks .on")).to_contain_text(["Custom domain"])


def test_an_expired_or_tampered_link_is_refused(page: Page, site: Site) -> None:
    link = site.billing_link()
    page.goto(link[:-1] + ("0" if link[-1] != "0" else "1"))
    expect(page.get_by_role("heading", level=1)).to_have_text("This billing link is not valid.")
    site.db.execute("select internal.set_clock(now() + interval '16 minutes')")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This billing link has expired.")
    site.db.execute("select internal.set_clock(null)")
    page.goto(f"{site.url}/billing")
    expect(page.get_by_role("heading", level=1)).to_have_text("No billing session.")


def test_keyboard_labels_and_a_phone_width(page: Page, site: Site) -> None:
    site.subscription_event(1, "price_pro_monthly", quantity=3)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site.billing_link())
    # no sideways scrolling at a phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the first Tab reaches the skip link, which leads to the content
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    # every visible field has a label
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
                 .filter(el => el.offsetParent !== null)
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                 .map(el => el.name)"""
    )
    assert unlabelled == []
    # the cancel form opens from its summary, by keyboard
    summary = page.get_by_text("Cancel my Pro subscription")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yes, cancel at the end of the period")).to_be_visible()
