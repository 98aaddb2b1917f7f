"""The revenue views (sql/analytics/revenue_periods.sql and the views over it) against an
independent implementation of docs/analytics.md (revenue_model.py) on generated histories:
Stripe subscription events (upgrades, downgrades, seats, yearly prices, trials, past_due,
unpaid, cancel at period end, immediate cancel, reactivation, discounts that end, add-on
items, two currencies) and subscriptions assigned outside Stripe, at clock times moved
forward. Every daily and monthly figure must agree to the cent, movements must add up to
the change of MRR, and closing months or rebuilding the timeline from history must change
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sql.analytics.revenue_model import Model
from tests.sql.conftest import PRO_MONTHLY, Api, receive
from tests.stripe_fixtures import event, subscription

START = datetime(2026, 1, 1, tzinfo=UTC)
EURO_MONTHLY = "price_euro_monthly"
PRO_ANNUAL = "price_pro_annual"
ADDON_PRICE = "price_more_members"
STRIPE_TENANTS = 3
MANUAL_TENANTS = 2

stripe_change = st.fixed_dictionaries(
    {
        "kind": st.just("stripe"),
        "tenant": st.integers(0, STRIPE_TENANTS - 1),
        "price": st.sampled_from([PRO_MONTHLY, PRO_ANNUAL, EURO_MONTHLY]),
        "unit": st.sampled_from([None, 1000, 4900, 12000, 99]),
        "quantity": st.integers(1, 4),
        "status": st.sampled_from(
            ["active", "active", "active", "trialing", "past_due", "unpaid", "canceled"]
        ),
        "cancel_in_days": st.one_of(st.none(), st.integers(0, 45)),
        "discount": st.one_of(
            st.none(),
            st.tuples(
                st.sampled_from(["percent", "amount"]),
                st.sampled_from([10, 25.5, 100, 500]),
                st.sampled_from(["forever", "repeating", "once"]),
                st.integers(1, 70),
            ),
        ),
        "addon": st.integers(0, 2),
    }
)
manual_change = st.fixed_dictionaries(
    {
        "kind": st.just("manual"),
        "tenant": st.integers(0, MANUAL_TENANTS - 1),
        "plan": st.sampled_from(["pro", "euro", "free"]),
        "seats": st.integers(1, 3),
        "addon": st.integers(0, 2),
    }
)
price_change = st.fixed_dictionaries(
    {"kind": st.just("price"), "price": st.sampled_from([4900, 5900, 3900])}
)
step = st.tuples(
    st.integers(1, 24 * 40),  # hours since the previous change
    st.one_of(stripe_change, stripe_change, manual_change, price_change),
)


def _stripe_payload(api: Api, tenant: Any, n: int, ch: dict[str, Any], at: datetime) -> dict:
    sub_id, cus = f"sub_{tenant.hex[:10]}", f"cus_{tenant.hex[:10]}"
    interval = "year" if ch["price"] == PRO_ANNUAL else "month"
    extra = [(f"si_addon_{tenant.hex[:6]}", ADDON_PRICE, ch["addon"])] if ch["addon"] else []
    period_end = at + timedelta(days=ch["cancel_in_days"] or 30)
    sub = subscription(
        sub_id,
        cus,
        ch["price"],
        quantity=ch["quantity"],
        status=ch["status"],
        tenant_id=str(tenant),
        cancel_at_period_end=ch["cancel_in_days"] is not None,
        period_start=int(at.timestamp()),
        period_end=int(period_end.timestamp()),
        interval=interval,
        extra_items=extra,
        unit_amount=ch["unit"],
    )
    currency = "eur" if ch["price"] == EURO_MONTHLY else "usd"
    sub["currency"] = currency
    for item in sub["items"]["data"]:
        item["price"]["currency"] = currency
        if item["price"]["id"] == ADDON_PRICE:
            item["price"]["unit_amount"] = 500
    if ch["discount"]:
        how, size, duration, days = ch["discount"]
        coupon = {
            "id": f"co_{n}",
            "object": "coupon",
            "duration": duration,
            "percent_off": None,
            "amount_off": None,
            "currency": None,
        }
        if how == "percent":
            coupon["percent_off"] = size if size != 500 else 50
        else:
            coupon.update(amount_off=int(size * 3), currency="usd")
        end = int((at + timedelta(days=days)).timestamp()) if duration == "repeating" else None
        sub["discounts"] = [
            {
                "id": f"di_{n}",
                "object": "discount",
                "end": end,
                "start": int(at.timestamp()),
                "subscription_item": None,
                "source": {"type": "coupon", "coupon": coupon},
            }
        ]
    return event(
        f"evt_{n:06d}_{tenant.hex[:6]}", "customer.subscription.updated", int(at.timestamp()), sub
    )


def _apply(api: Api, stripe_t: list, manual_t: list, n: int, ch: dict, at: datetime) -> None:
    api.set_clock(at)
    if ch["kind"] == "stripe":
        assert receive(api, _stripe_payload(api, stripe_t[ch["tenant"]], n, ch, at))["status"] in (
            "applied",
            "stale",
        )
    elif ch["kind"] == "manual":
        t = manual_t[ch["tenant"]]
        api.admin("select api.assign_plan(%s, %s, %s)", t, ch["plan"], ch["seats"])
        if ch["addon"]:
            api.admin("select api.grant_addon(%s, 'more_members', %s)", t, ch["addon"])
        else:
            api.admin("select api.revoke_addon(%s, 'more_members')", t)
    else:
        api.admin("select api.define_plan('pro', 'Pro', %s, p_per_seat => true)", ch["price"])


def _rows(api: Api, query: str) -> list[dict[str, Any]]:
    return api.admin(query)


def _by_key(rows: list[dict], period: str, fields: list[str]) -> dict:
    return {(r[period], r["currency"]): {f: r[f] for f in fields} for r in rows}


def _compare(sql: dict, model: dict, fields: list[str]) -> None:
    zero = dict.fromkeys(fields, 0)
    for key in sorted(set(sql) | set(model)):
        got = sql.get(key, zero)
        want = {f: model.get(key, zero)[f] for f in fields}
        assert got == want, (key, got, want)


MOVES = [
    "new_cents",
    "expansion_cents",
    "contraction_cents",
    "churn_cents",
    "reactivation_cents",
    "net_cents",
    "new_customers",
    "expansion_customers",
    "contraction_customers",
    "churned_customers",
    "reactivated_customers",
]


def _check_views(api: Api, model: Model) -> None:
    daily = _rows(api, "select * from analytics.mrr_daily")
    _compare(
        _by_key(daily, "day", ["mrr_cents", "paying_customers", "trial_mrr_cents"]),
        model.period_rows("day"),
        ["mrr_cents", "paying_customers", "trial_mrr_cents"],
    )
    for view, period, grain in (
        ("mrr_movements", "month", "month"),
        ("mrr_movements_daily", "day", "day"),
    ):
        rows = _rows(api, f"select * from analytics.{view}")
        for r in rows:
            assert r["net_cents"] == sum(r[m] for m in MOVES[:5])
            assert r["net_cents"] == r["mrr_end_cents"] - r["mrr_start_cents"]
        got = {
            k: {("mrr_cents" if f == "mrr_end_cents" else f): v for f, v in x.items()}
            for k, x in _by_key(rows, period, [*MOVES, "mrr_end_cents"]).items()
        }
        _compare(got, model.period_rows(grain), [*MOVES, "mrr_cents"])
    kpis = {r["currency"]: r for r in _rows(api, "select * from analytics.kpis")}
    for c, want in model.kpis().items():
        # a currency that never had a cent of MRR or trial MRR has no row
        got = kpis.get(c) or {f: (0 if isinstance(v, int) else None) for f, v in want.items()}
        assert {f: got[f] for f in want} == want, c
    dist = {
        (r["plan"], r["status"], r["currency"]): (r["tenants"], r["mrr_cents"])
        for r in _rows(api, "select * from analytics.plan_distribution")
    }
    assert dist == model.plan_distribution()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=22), tail_hours=st.integers(0, 24 * 60))
def test_views_equal_an_independent_implementation(
    billing: Api, steps: list[tuple[int, dict]], tail_hours: int
) -> None:
    api = billing
    for table in ("tenants", "revenue_months", "acquisition_spend"):
        api.conn.execute(f"delete from core.{table}")
    api.admin("select api.define_plan('euro', 'Euro', 9000, 'eur')")
    api.admin("select api.set_plan_prices('euro', %s)", EURO_MONTHLY)
    api.admin("select api.define_plan('pro', 'Pro', 4900, p_per_seat => true)")
    api.set_clock(START)
    stripe_t = [api.tenant(f"s{i}") for i in range(STRIPE_TENANTS)]
    manual_t = [api.tenant(f"m{i}") for i in range(MANUAL_TENANTS)]
    at = START
    for n, (hours, ch) in enumerate(steps):
        at += timedelta(hours=hours)
        _apply(api, stripe_t, manual_t, n, ch, at)
    now = at + timedelta(hours=tail_hours)
    api.set_clock(now)
    rates_month = (now.replace(day=1) - timedelta(days=1)).replace(day=1).date()
    api.admin("select * from api.record_acquisition_spend(%s, 'ads', 120000, 'usd')", rates_month)

    history = _rows(api, "select * from core.subscription_history")
    tenants = _rows(api, "select tenant_id from core.tenants")
    spend = _rows(api, "select * from core.acquisition_spend")
    model = Model(history, tenants, now, ("free", "usd"), spend)
    _check_views(api, model)

    # closing the past months and rebuilding the timeline from history change nothing
    points = _rows(api, "select * from core.mrr_points order by tenant_id, at")
    api.conn.execute("select internal.rebuild_mrr_points()")
    assert _rows(api, "select * from core.mrr_points order by tenant_id, at") == points
    api.admin("select api.close_revenue_months()")
    _check_views(api, model)
