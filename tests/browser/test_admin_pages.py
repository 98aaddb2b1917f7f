"""The admin dashboard in Chromium: an administrator signs in with an admin key, sees the
MRR chart drawn with the demo's numbers, edits a plan limit, and the tenant's page shows
it; the subscriptions list filters as one types (htmx); every page fits a phone's width;
signing out ends the session. No console error on any page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Site, sign_in


def test_sign_in_chart_edit_a_limit_and_the_tenant_shows_it(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/admin")
    expect(page).to_have_url(re.compile(r"/admin/sign-in\?next="))
    page.get_by_label("Admin API key").fill("rc_wrong_key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not an admin API key")
    sign_in(page, site)

    # the overview: MRR $646.00 (3 x $49 + $499), drawn by Chart.js
    expect(page.get_by_test_id("kpi-mrr")).to_have_text("$646.00")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('mrr-chart'))"
    )
    points = page.evaluate(
        "() => Chart.getChart(document.getElementById('mrr-chart')).data.datasets[0].data"
    )
    assert len(points) == 12 and points[-1] == 646 and points[0] == 0
    movements = page.evaluate(
        "() => Chart.getChart(document.getElementById('movements-chart')).data.datasets"
        ".map(d => [d.label, d.data.at(-1)])"
    )
    assert ["New", 646] in movements
    page.get_by_text("Figures").first.click()
    expect(page.locator("#mrr-table tbody tr").last).to_contain_text("$646.00")

    # edit Starter's AI decisions limit
    page.get_by_role("link", name="Plans", exact=True).click()
    page.get_by_role("link", name="Starter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Starter")
    page.locator('input[name="f.ai_decisions.limit"]').fill("250")
    page.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("status")).to_contain_text("limits are saved")
    expect(page.locator('input[name="f.ai_decisions.limit"]')).to_have_value("250")

    # Acme, on Starter, has it now
    page.get_by_role("link", name="Subscriptions").click()
    page.get_by_role("link", name="Acme Corp").click()
    ai = page.locator(".meter").filter(has=page.locator(".meter-name", has_text="AI decisions"))
    expect(ai).to_contain_text("0 of 250")

    # signing out ends the session
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/admin/sign-in"))
    page.goto(f"{site.url}/admin/plans")
    expect(page).to_have_url(re.compile(r"/admin/sign-in\?next=%2Fadmin%2Fplans"))


def test_the_list_filters_as_one_types_and_pages_fit_a_phone(page: Page, site: Site) -> None:
    sign_in(page, site)
    page.goto(f"{site.url}/admin/subscriptions")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Search").press_sequentially("glob")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Globex")
    expect(page).to_have_url(re.compile(r"search=glob"))  # the filter is in the address
    page.get_by_label("Status").select_option("none")
    expect(rows.first).to_contain_text("No tenant matches")

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/admin", "/admin/subscriptions", f"/admin/tenants/{site.acme}",
                 "/admin/plans", "/admin/plans/pro", "/admin/stripe-events", "/admin/jobs",
                 "/admin/capacity"):  # fmt: skip
        page.goto(site.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
