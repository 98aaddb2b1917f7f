"""`ratecard stripe sync-catalog` (ratecard/stripe_catalog.py) against the stateful fake
Stripe with the real client: what it creates for the demo catalog (Model A and Model B),
that a second run changes nothing, that a changed amount replaces a price (immutable in
Stripe) and that subscriptions on the retired price still count, dry runs, problems."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from ratecard.cli import main
from tests.fake_stripe import FakeStripe
from tests.metered import Metered, demo_metered


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def m(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> Metered:
    return demo_metered(db, dsn, fake)


def _writes(fake: FakeStripe) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests if r.method != "GET"]


def test_the_demo_catalog_in_stripe(m: Metered, fake: FakeStripe) -> None:
    # products: plans sold, add-ons, the billed feature
    assert {p["id"]: p["name"] for p in fake.products.values()} == {
        "rc_plan_pro": "Pro",
        "rc_plan_enterprise": "Enterprise",
        "rc_addon_extra_emails": "Five more email addresses",
        "rc_addon_custom_domain": "Custom domain",
        "rc_feature_ai_tokens": "AI tokens",
    }
    # one meter per billed feature: sum of `value`, customer by stripe_customer_id
    (meter,) = fake.meters.values()
    assert meter["event_name"] == "ratecard_ai_tokens"
    assert meter["default_aggregation"] == {"formula": "sum"}
    assert meter["customer_mapping"] == {"type": "by_id", "event_payload_key": "stripe_customer_id"}
    assert meter["value_settings"] == {"event_payload_key": "value"}
    # licensed prices: monthly and annual, per seat for Pro (the quantity is the seats)
    pro_m = fake.prices[m.price("pro")]
    assert (pro_m["unit_amount"], pro_m["recurring"]["interval"], pro_m["product"]) == (
        4900,
        "month",
        "rc_plan_pro",
    )
    assert fake.prices[m.price("pro", interval="year")]["unit_amount"] == 49000
    assert fake.prices[m.price("enterprise", interval="year")]["unit_amount"] == 499000
    # Model A: graduated tiers, 5,000,000 included then 0.0005 cents ($5 per million)
    a = fake.prices[m.price("pro", "ai_tokens")]
    assert a["billing_scheme"] == "tiered" and a["tiers_mode"] == "graduated"
    assert [(t["up_to"], t["unit_amount_decimal"]) for t in a["tiers"]] == [
        (5_000_000, "0"),
        (None, "0.0005"),
    ]
    assert a["recurring"] == {
        "interval": "month",
        "interval_count": 1,
        "meter": meter["id"],
        "usage_type": "metered",
        "trial_period_days": None,
    }
    assert a["product"] == "rc_feature_ai_tokens"
    assert fake.charge(a["id"], 6_000_000) == 500  # $5.00
    # Model B: a flat unit price, $0.00002 a token
    b = fake.prices[m.price("enterprise", "ai_tokens")]
    assert (b["billing_scheme"], b["unit_amount_decimal"]) == ("per_unit", "0.002")
    assert fake.charge(b["id"], 6_000_000) == 12_000  # $120.00
    # the yearly metered prices exist too (same terms, yearly interval)
    assert fake.prices[m.price("pro", "ai_tokens", "year")]["recurring"]["interval"] == "year"
    # the ids are stored back
    plans = dict(
        m.db.execute(
            "select code, (stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id)"
            " from core.plans where code <> 'starter'"
        ).fetchall()
    )
    assert plans["pro"] == ("rc_plan_pro", m.price("pro"), m.price("pro", interval="year"))
    assert m.db.execute(
        "select stripe_meter_id, stripe_meter_event_name from core.features"
        " where code = 'ai_tokens'"
    ).fetchone() == (meter["id"], "ratecard_ai_tokens")
    assert m.db.execute("select count(*) from core.stripe_catalog where active").fetchone()[
        0
    ] == len(fake.products) + len(fake.meters) + len(fake.prices)


def test_a_second_run_changes_nothing(m: Metered, fake: FakeStripe) -> None:
    before = len(_writes(fake))
    snapshot = m.db.execute("select * from core.stripe_catalog order by stripe_id").fetchall()
    outcomes = m.sync()
    assert {o.action for o in outcomes} == {"unchanged"}
    assert len(_writes(fake)) == before  # not one write to Stripe
    assert (
        m.db.execute("select * from core.stripe_catalog order by stripe_id").fetchall() == snapshot
    )


def test_a_changed_amount_is_a_new_price_and_the_old_one_still_counts(
    m: Metered, fake: FakeStripe
) -> None:
    old, old_plan = m.price("pro", "ai_tokens"), m.price("pro")
    tenant = m.tenant("Old price Inc")
    m.subscribe(tenant, "pro")
    m.db.execute("select api.set_overage_price('pro', 'ai_tokens', 0.0004)")
    m.db.execute("select api.define_plan('pro', 'Pro', 5900, p_per_seat => true)")
    outcomes = {(o.object, o.key): o for o in m.sync()}
    new = m.price("pro", "ai_tokens")
    assert new != old
    replaced = outcomes[("price", "ratecard:metered:pro:ai_tokens:month")]
    assert replaced.action == "replaced" and f"archived {old}" in replaced.detail
    assert fake.prices[old]["active"] is False and fake.prices[old]["lookup_key"] is None
    assert fake.prices[new]["tiers"][1]["unit_amount_decimal"] == "0.0004"
    assert outcomes[("price", "ratecard:plan:pro:month")].action == "replaced"
    assert fake.prices[m.price("pro")]["unit_amount"] == 5900
    # unchanged prices stay
    assert outcomes[("price", "ratecard:metered:enterprise:ai_tokens:month")].action == "unchanged"
    # the tenant's subscription is still on the old prices: still Pro, still priced as before
    m.subscribe(  # a later snapshot, the same (now retired) prices
        tenant, "pro", customer=m.customer(tenant), prices={"plan": old_plan, "ai_tokens": old}
    )
    assert m.db.execute(
        "select plan from core.subscriptions where tenant_id = %s", (tenant,)
    ).fetchone() == ("pro",)
    est = m.billed(tenant)
    assert (est["price_id"], est["price_source"], float(est["unit_price_cents"])) == (
        old,
        "subscription",
        0.0005,
    )
    # and a new checkout sells the new ones
    ctx = m.db.execute(
        "select price_id, metered_price_ids from api.checkout_context(%s, 'pro', 'month', 1)",
        (m.tenant("New Inc"),),
    ).fetchone()
    assert ctx == (m.price("pro"), [new])
    assert {o.action for o in m.sync()} == {"unchanged"}


def test_dry_run_writes_nothing(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> None:
    from ratecard.seed import seed_demo

    seed_demo(dsn)
    m = Metered(db, fake)
    outcomes = m.sync(dry_run=True)
    assert {o.action for o in outcomes} == {"created"}
    assert _writes(fake) == []
    assert db.execute("select count(*) from core.stripe_catalog").fetchone() == (0,)
    assert db.execute(
        "select stripe_price_monthly_id from core.plans where code = 'pro'"
    ).fetchone() == (None,)


def test_problems_are_reported_and_skipped(m: Metered) -> None:
    m.db.execute("select api.define_feature('seats_used', 'metered', 'month', 'seats', 'Seats')")
    m.db.execute("select api.set_plan_limit('pro', 'seats_used', 10, true, 'bill')")
    skipped = [o for o in m.sync() if o.action == "skipped"]
    assert [(o.key, o.detail) for o in skipped] == [
        (
            "ratecard:metered:pro:seats_used:month",
            "a billed feature must reset per billing_period, so its period is Stripe's",
        ),
        (
            "ratecard:metered:pro:seats_used:year",
            "a billed feature must reset per billing_period, so its period is Stripe's",
        ),
    ]


def test_the_command_prints_a_table(
    m: Metered, fake: FakeStripe, dsn: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("RATECARD_DATABASE_URL", dsn)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_cli")
    monkeypatch.setenv("STRIPE_API_BASE", fake.url)
    assert main(["stripe", "sync-catalog"]) == 0
    out = capsys.readouterr().out
    assert "ratecard:metered:pro:ai_tokens:month" in out
    assert out.strip().splitlines()[-1] == "16 unchanged"
    m.db.execute("select api.set_overage_price('enterprise', 'ai_tokens', 0.003)")
    assert main(["stripe", "sync-catalog", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dry run, nothing written: 2 replaced, 14 unchanged" in out
