"""The Stripe catalog in SQL: api.stripe_catalog_spec (what sync-catalog makes),
api.record_stripe_catalog (the ids stored back, retired prices kept),
api.set_overage_price, api.set_plan_annual_price, and what the rest of billing does with
them: subscription snapshots recognise retired prices and keep metered items apart,
checkout sells the metered prices, plan changes swap them (internal.metered_item_changes)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api, receive
from tests.stripe_fixtures import event, subscription

T = 1_767_225_600


def spec(api: Api) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in api.admin("select * from api.stripe_catalog_spec")}


def test_the_spec_of_the_test_catalog(catalog: Api) -> None:
    catalog.admin("select api.set_overage_price('pro', 'tokens', 0.25)")
    catalog.admin("select api.set_plan_annual_price('pro', 49000)")
    s = spec(catalog)
    assert list(s) == [  # products, the meter, then prices, each in key order
        "addon:more_members",
        "feature:tokens",
        "plan:pro",
        "tokens",
        "ratecard:addon:more_members:month",
        "ratecard:plan:pro:month",
        "ratecard:plan:pro:year",
        "ratecard:metered:pro:tokens:month",
        "ratecard:metered:pro:tokens:year",
    ]
    tiered = s["ratecard:metered:pro:tokens:month"]
    assert tiered["problem"] is None
    assert tiered["params"]["tiers"] == [
        {"up_to": 5000, "unit_amount_decimal": "0"},
        {"up_to": "inf", "unit_amount_decimal": "0.25"},
    ]
    assert tiered["params"]["recurring"]["meter"] == {"ref": "meter:tokens"}
    assert tiered["params"]["lookup_key"] == "ratecard:metered:pro:tokens:month"
    assert tiered["terms"] == "metered:ratecard_tokens:usd:month:5000:0.25"
    assert tiered["params"]["metadata"]["ratecard_terms"] == tiered["terms"]
    assert s["ratecard:plan:pro:year"]["params"]["unit_amount"] == 49000
    assert s["ratecard:plan:pro:month"]["terms"] == "licensed:usd:month:4900:per_seat"
    assert s["tokens"]["params"]["event_name"] == "ratecard_tokens"
    # pay as you go: nothing included, a flat unit price
    catalog.admin("select api.set_plan_limit('pro', 'tokens', 0, true, 'bill')")
    catalog.admin("select api.set_overage_price('pro', 'tokens', 0.002)")
    flat = spec(catalog)["ratecard:metered:pro:tokens:month"]["params"]
    assert (flat["billing_scheme"], flat["unit_amount_decimal"]) == ("per_unit", "0.002")
    assert "tiers" not in flat


@pytest.mark.parametrize(
    ("limit", "price", "per_seat", "problem"),
    [
        (None, 1, False, "a billed limit needs the included amount"),
        (10, None, False, "no price per unit"),
        (10, 1, True, "a per-seat included amount cannot be a Stripe tier"),
    ],
)
def test_limits_stripe_cannot_price_are_problems(
    catalog: Api, limit: int | None, price: int | None, per_seat: bool, problem: str
) -> None:
    catalog.admin(
        "select api.set_plan_limit('pro', 'tokens', %s, true, 'bill', p_per_seat => %s)",
        limit,
        per_seat,
    )
    if price is not None:
        catalog.admin("select api.set_overage_price('pro', 'tokens', %s)", price)
    row = spec(catalog)["ratecard:metered:pro:tokens:month"]
    assert row["problem"].startswith(problem)
    assert "feature:tokens" not in spec(catalog)  # no product or meter for it either


def test_setters_refuse_bad_input(catalog: Api, sqlstate) -> None:
    for call, state in [
        ("select api.set_overage_price('nope', 'tokens', 1)", "RC003"),
        ("select api.set_overage_price('pro', 'nope', 1)", "RC002"),
        ("select api.set_overage_price('pro', 'calls', 1)", "RC005"),  # blocked, not billed
        ("select api.set_overage_price('pro', 'tokens', -1)", "RC004"),
        ("select api.set_overage_price('pro', 'tokens', 0.0000000000001)", "RC004"),
        ("select api.set_plan_annual_price('nope', 1)", "RC003"),
        ("select api.set_plan_annual_price('pro', -1)", "RC004"),
        ("select api.record_stripe_catalog('{}')", "RC005"),
        ('select api.record_stripe_catalog(\'[{"object": "coupon"}]\')', "RC005"),
    ]:
        with pytest.raises(psycopg.Error) as info:
            catalog.admin(call)
        assert sqlstate(info) == state, call
    catalog.admin("select api.define_plan('yearly', 'Yearly', 100, p_interval => 'year')")
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select api.set_plan_annual_price('yearly', 1000)")
    assert sqlstate(info) == "RC005"


def record(api: Api, *items: dict[str, Any]) -> int:
    return api.admin("select api.record_stripe_catalog(%s) as n", Jsonb(list(items)))[0]["n"]


def test_recorded_ids_and_retired_prices(billing: Api) -> None:
    # billing: pro sold at price_pro_monthly (set by hand), more_members at price_more_members
    billing.admin("select api.set_overage_price('pro', 'tokens', 1)")
    assert record(
        billing,
        {"object": "product", "key": "plan:pro", "stripe_id": "rc_plan_pro", "plan": "pro"},
        {"object": "meter", "key": "tokens", "stripe_id": "mtr_1", "feature": "tokens"},
        {"object": "price", "key": "ratecard:plan:pro:month", "stripe_id": "price_new",
         "plan": "pro", "interval": "month", "unit_amount_cents": 4900},
        {"object": "price", "key": "ratecard:metered:pro:tokens:month", "stripe_id": "price_m1",
         "plan": "pro", "feature": "tokens", "interval": "month", "included": 5000,
         "unit_amount_decimal": "1", "currency": "usd"},
    ) == 4  # fmt: skip
    assert billing.scalar(
        "select (stripe_product_id, stripe_price_monthly_id) from core.plans where code = 'pro'"
    ) == ("rc_plan_pro", "price_new")
    assert billing.scalar(
        "select (stripe_meter_id, stripe_meter_event_name) from core.features where code = 'tokens'"
    ) == ("mtr_1", "ratecard_tokens")
    # the hand-set price stays known, retired
    assert billing.scalar(
        "select (active::text, plan) from core.stripe_catalog where stripe_id = 'price_pro_monthly'"
    ) == ("false", "pro")
    # a new metered price retires the one before
    record(
        billing,
        {"object": "price", "key": "ratecard:metered:pro:tokens:month", "stripe_id": "price_m2",
         "plan": "pro", "feature": "tokens", "interval": "month", "included": 5000,
         "unit_amount_decimal": "2", "currency": "usd"},
    )  # fmt: skip
    assert billing.admin(
        "select stripe_id, active from core.stripe_catalog where feature = 'tokens'"
        " and object = 'price' order by stripe_id"
    ) == [{"stripe_id": "price_m1", "active": False}, {"stripe_id": "price_m2", "active": True}]
    assert billing.scalar(
        "select metered_price_ids from api.checkout_context(%s, 'pro', 'month', 1)",
        billing.tenant(),
    ) == ["price_m2"]

    # a subscription on the retired prices is still pro; its metered item is kept apart
    t = billing.tenant("old")
    sub = subscription(
        "sub_old", "cus_old", "price_pro_monthly", tenant_id=str(t),
        extra_items=[("si_tok", "price_m1", 1)],
    )  # fmt: skip
    assert (
        receive(billing, event("evt_old_1", "customer.subscription.created", T, sub))["status"]
        == "applied"
    )
    row = billing.admin(
        "select plan, metered_items from core.subscriptions where tenant_id = %s", t
    )[0]
    assert row == {
        "plan": "pro",
        "metered_items": [{"feature": "tokens", "item_id": "si_tok", "price_id": "price_m1"}],
    }
    # a plan change swaps the metered item onto the new plan's price
    billing.admin("select api.define_plan('max', 'Max', 9900)")
    billing.admin("select api.set_plan_prices('max', 'price_max')")
    billing.admin("select api.set_plan_limit('max', 'tokens', 0, true, 'bill')")
    record(
        billing,
        {"object": "price", "key": "ratecard:metered:max:tokens:month", "stripe_id": "price_mx",
         "plan": "max", "feature": "tokens", "interval": "month", "included": 0,
         "unit_amount_decimal": "3", "currency": "usd"},
    )  # fmt: skip
    change = billing.service("select * from api.request_plan_change(%s, 'max')", t)[0]
    assert change["action"] == "upgrade"
    assert change["metered_items"] == [{"id": "si_tok", "price": "price_mx"}]
    assert billing.scalar(
        "select internal.metered_item_changes(%s, 'free', 'month')",
        Jsonb(row["metered_items"]),
    ) == [{"id": "si_tok", "deleted": True}]
    assert billing.scalar("select internal.metered_item_changes('[]', 'max', 'month')") == [
        {"price": "price_mx"}
    ]


def test_invoice_lines_of_retired_plan_prices_are_not_usage(billing: Api) -> None:
    record(
        billing,
        {"object": "price", "key": "ratecard:plan:pro:month", "stripe_id": "price_new",
         "plan": "pro", "interval": "month"},
    )  # fmt: skip
    t = billing.tenant()
    sub = subscription("sub_inv", "cus_inv", "price_pro_monthly", tenant_id=str(t))
    receive(billing, event("evt_inv_0", "customer.subscription.created", T, sub))
    from tests.stripe_fixtures import invoice

    inv = invoice("in_r", "cus_inv", "sub_inv")
    line = inv["lines"]["data"][0]
    line["amount"] = 4900
    line["discount_amounts"] = []
    line["parent"] = {"type": "subscription_item_details",
                      "subscription_item_details": {"proration": False}}  # fmt: skip
    line["pricing"] = {"price_details": {"price": "price_pro_monthly"}}
    line.pop("price", None)
    inv["lines"]["data"] = [line]
    receive(billing, event("evt_inv_1", "invoice.paid", T + 10, inv))
    assert billing.scalar("select usage_cents from core.invoices where invoice_id = 'in_r'") == 0
