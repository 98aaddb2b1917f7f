"""api.billing_page (sql/api/billing_page.sql): the billing page's one document: meters with
their colour levels and grace countdown, the upgrade banner from 80%, plan cards with prices
at the interval and the action each button takes, add-ons, invoices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.api.test_billing_commands import subscribed
from tests.sql.api.test_claim_usage_reports import billed, customer
from tests.sql.conftest import Api, T, receive
from tests.stripe_fixtures import event, invoice

NOW = datetime(2026, 1, 10, tzinfo=UTC)
__all__ = ["billed"]


def page(api: Api, tenant, interval: str | None = None) -> dict:
    return api.service("select api.billing_page(%s, %s) as p", tenant, interval)[0]["p"]


def usage(doc: dict) -> dict[str, dict]:
    return {u["feature"]: u for u in doc["usage"]}


def cards(doc: dict) -> dict[str, dict]:
    return {c["code"]: c for c in doc["plans"]}


def test_a_free_tenant(billing: Api) -> None:
    billing.set_clock(NOW)
    t = billing.tenant("Acme")
    doc = page(billing, t)
    assert doc["tenant"]["name"] == "Acme" and doc["tenant"]["billing_account"] is False
    assert doc["subscription"] is None
    assert (doc["plan"]["code"], doc["interval"], doc["upgrade"]) == ("free", "month", None)
    calls = usage(doc)["calls"]
    assert (calls["used"], calls["limit"], calls["level"], calls["name"]) == (0, 10, "ok", "Calls")
    assert calls["resets_at"] == "2026-02-01T00:00:00+00:00"
    assert usage(doc)["sso"]["level"] == "off"
    assert usage(doc)["members"]["resets_at"] is None
    c = cards(doc)
    assert (c["free"]["action"], c["free"]["is_current"]) == ("current", True)
    assert (c["pro"]["action"], c["pro"]["price_cents"], c["pro"]["price_interval"]) == (
        "checkout",
        4900,
        "month",
    )
    assert {(x["feature"], x["limit"]) for x in c["pro"]["limits"]} >= {("calls", 100)}
    assert "sso" not in {x["feature"] for x in c["free"]["limits"]}  # disabled on free


@pytest.mark.parametrize(
    ("used", "level", "banner"),
    [
        (6, "ok", False),
        (7, "high", False),
        (8, "high", True),
        (9, "critical", True),
        (10, "critical", True),
    ],
)
def test_meter_levels_and_the_upgrade_banner(billing: Api, used, level, banner) -> None:
    t = billing.tenant()
    billing.consume(t, "calls", used)
    doc = page(billing, t)
    assert usage(doc)["calls"]["level"] == level
    if banner:
        assert doc["upgrade"]["feature"] == "calls"
        assert (doc["upgrade"]["plan"], doc["upgrade"]["plan_name"]) == ("pro", "Pro")
        assert doc["upgrade"]["percent"] == used * 10
        assert cards(doc)["pro"]["is_suggested"] is True
    else:
        assert doc["upgrade"] is None


def test_the_banner_names_no_plan_when_none_gives_more(billing: Api) -> None:
    t = billing.tenant()
    billing.consume(t, "members", 3)
    billing.admin("select api.set_plan_limit('pro', 'members', 3)")
    doc = page(billing, t)
    assert (doc["upgrade"]["feature"], doc["upgrade"]["plan"]) == ("members", None)


def test_a_soft_limit_passed_counts_down_its_grace(billing: Api) -> None:
    billing.set_clock(NOW)
    t = billing.tenant()
    billing.consume(t, "storage_bytes", 1050)  # soft: 10% buffer, 7 days' grace
    billing.set_clock(NOW + timedelta(days=2, hours=1))
    s = usage(page(billing, t))["storage_bytes"]
    assert (s["state"], s["level"], s["bar_percent"]) == ("over_limit", "critical", 100)
    assert s["grace_days_left"] == 5
    assert s["grace_until"] == "2026-01-17T00:00:00+00:00"


def test_yearly_prices(billing: Api) -> None:
    t = billing.tenant()
    c = cards(page(billing, t, "year"))["pro"]
    assert (c["price_cents"], c["per_month_cents"], c["action"]) == (4900 * 12, 4900, "checkout")
    billing.admin(
        "select api.define_plan('pro', 'Pro', 4900, p_per_seat => true,"
        " p_annual_price_cents => 49000)"
    )
    c = cards(page(billing, t, "year"))["pro"]
    assert (c["price_cents"], c["per_month_cents"], c["price_interval"]) == (49000, 4083, "year")
    billing.admin("select api.set_plan_prices('pro', null, '')")  # no annual price any more
    assert cards(page(billing, t, "year"))["pro"]["action"] == "unavailable"


def test_plan_actions_follow_the_plan_change_rule(billing: Api) -> None:
    billing.admin("select api.define_plan('team', 'Team', 9900, p_per_seat => true)")
    billing.admin("select api.set_plan_prices('team', 'price_team_m')")
    billing.admin("select api.define_plan('lite', 'Lite', 1900)")
    billing.admin("select api.set_plan_prices('lite', 'price_lite_m')")
    billing.admin("select api.define_plan('solo', 'Solo', 2900)")  # no Stripe price
    billing.admin("select api.define_plan('hidden', 'Hidden', 100, p_is_public => false)")
    t = subscribed(billing, seats=2)
    doc = page(billing, t)
    assert doc["subscription"]["live"] is True and doc["plan"]["code"] == "pro"
    assert doc["subscription"]["next_billing_date"] == "2026-02-01T00:00:00+00:00"
    actions = {code: c["action"] for code, c in cards(doc).items()}
    assert actions == {
        "free": "cancel",
        "lite": "downgrade",
        "solo": "unavailable",
        "pro": "current",
        "team": "upgrade",
    }
    assert cards(page(billing, t, "year"))["pro"]["action"] == "upgrade"  # monthly to yearly
    billing.service("select * from api.request_plan_change(%s, 'lite')", t)
    doc = page(billing, t)
    assert cards(doc)["lite"]["action"] == "scheduled"
    assert doc["subscription"]["scheduled_plan_name"] == "Lite"


def test_cancel_at_period_end_has_no_next_billing_date(billing: Api) -> None:
    t = subscribed(billing, cancel_at_period_end=True)
    sub = page(billing, t)["subscription"]
    assert (sub["cancel_at_period_end"], sub["next_billing_date"]) == (True, None)
    assert sub["current_period_end"] == "2026-02-01T00:00:00+00:00"


def test_addons_and_invoices(billing: Api) -> None:
    free = billing.tenant()
    addon = page(billing, free)["addons"][0]
    assert (addon["code"], addon["purchasable"], addon["held"]) == ("more_members", False, None)
    assert addon["grants"] == [
        {"feature": "members", "name": "members", "unit": None, "quantity": 5}
    ]
    t = subscribed(billing)
    assert page(billing, t)["addons"][0]["purchasable"] is True
    billing.admin("select api.grant_addon(%s, 'more_members', 2)", t)
    held = page(billing, t)["addons"][0]["held"]
    assert (held["quantity"], held["billed_by_stripe"]) == (2, False)
    sub = f"sub_{t.hex[:8]}"
    receive(
        billing,
        event("evt_inv_1", "invoice.paid", T + 60, invoice("in_00001", f"cus_{t.hex[:8]}", sub)),
    )
    [inv] = page(billing, t)["invoices"]
    assert (inv["number"], inv["status"], inv["total"]) == ("RC-_00001", "paid", 4900)
    assert inv["invoice_pdf"].endswith("/pdf")


def test_errors(billing: Api) -> None:
    for args, state in [
        (("00000000-0000-0000-0000-000000000000", None), "RC001"),
        ((billing.tenant(), "week"), "RC005"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            billing.service("select api.billing_page(%s, %s)", *args)
        assert info.value.sqlstate == state


def test_a_billed_feature_past_its_bundle_shows_the_estimate_not_the_banner(billed: Api) -> None:
    """Usage past a billed limit is charged, not refused: its meter carries the estimate of
    GET /v1/billing/usage, it raises no upgrade banner ("reached the limit"), and the plan
    cards say what a unit past the bundle costs."""
    t = customer(billed)
    billed.consume(t, "tokens", 6000)  # pro: 5000 included, then a cent a token
    doc = page(billed, t)
    tokens = usage(doc)["tokens"]
    assert tokens["state"] == "over_limit"
    b = tokens["billed"]
    assert (b["included"], b["used"], b["overage_units"], b["estimated_overage_cents"]) == (
        5000,
        6000,
        1000,
        1000,
    )
    assert (tokens["overage_cents"], b["currency"]) == (1000, "usd")
    assert doc["upgrade"] is None
    assert usage(doc)["calls"]["billed"] is None  # not billed: no estimate
    limits = {x["feature"]: x for x in cards(doc)["pro"]["limits"]}
    assert (limits["tokens"]["overage"], limits["tokens"]["unit_price_cents"]) == ("bill", 1)
    assert limits["calls"]["unit_price_cents"] is None
    # a quota that blocks still raises the banner beside it
    billed.consume(t, "calls", 90)
    assert page(billed, t)["upgrade"]["feature"] == "calls"
