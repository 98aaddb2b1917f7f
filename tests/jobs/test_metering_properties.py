"""A property of metered billing, checked with Hypothesis over random usage streams: usage,
corrections both ways, sends at random moments, the clock crossing a billing period's end,
plan changes mid-period between Model A (Pro) and Model B (Enterprise). Whatever the
stream, once everything is sent: for every billing period Stripe's meter sum equals the
ledger's; for the current one both equal what the tenant sees as used, and what Stripe's
price on the subscription charges for it equals the tenant's estimate; reconciliation finds
no drift."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fake_stripe import DAY, FakeStripe
from tests.metered import Metered, at, demo_metered

T0 = 1_780_000_000  # 2026-05-28T20:26:40Z
ANCHOR = T0 - 25 * DAY  # the period ends five days into the stream

step = st.one_of(
    st.tuples(st.just("use"), st.integers(1, 3_000_000), st.integers(0, 7200)),
    st.tuples(st.just("correct"), st.integers(-2_000_000, 2_000_000).filter(bool), st.just(0)),
    st.tuples(st.just("send"), st.just(0), st.just(0)),
    st.tuples(st.just("advance"), st.integers(1, 4), st.just(0)),  # days
    st.tuples(st.just("plan"), st.sampled_from(["pro", "enterprise"]), st.just(0)),
)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as f:
        yield f


@pytest.fixture
def m(db: psycopg.Connection, dsn: str, fake: FakeStripe) -> Metered:
    m = demo_metered(db, dsn, fake)
    fake.clock = m.now  # Stripe's clock is Ratecard's (moved by the test)
    return m


_tenants = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_stripe_total_equals_ledger_equals_estimate(
    m: Metered, fake: FakeStripe, steps: list[tuple]
) -> None:
    now = T0
    m.db.execute("select internal.set_clock(%s::timestamptz)", (at(now),))
    tenant = m.tenant(f"Stream {next(_tenants)}")
    customer = m.subscribe(tenant, "pro", period_start=ANCHOR, period_end=ANCHOR + 30 * DAY)
    plan, key = "pro", itertools.count()
    for kind, value, extra in steps:
        if kind == "use":
            now += extra
            m.db.execute("select internal.set_clock(%s::timestamptz)", (at(now),))
            m.record(tenant, "ai_tokens", value, f"u{next(key)}")
        elif kind == "correct":
            used = m.billed(tenant)["used"]
            amount = max(value, -used)
            if amount:
                m.correct(tenant, "ai_tokens", amount, f"c{next(key)}")
        elif kind == "send":
            m.send(tenant)
        elif kind == "advance":
            now += value * DAY
            m.db.execute("select internal.set_clock(%s::timestamptz)", (at(now),))
        elif kind == "plan" and value != plan:
            plan = value
            start = int(m.billed(tenant)["period_start"].timestamp())
            m.subscribe(
                tenant,
                plan,
                customer=customer,
                period_start=start,
                period_end=start + 30 * DAY,
                at=now,
            )
    m.send(tenant)
    assert m.send(tenant) == {"claimed": 0}  # nothing left behind

    periods = m.db.execute(
        """select distinct period_start, period_end from core.usage_reports
            where tenant_id = %s
           union
           select period_start, period_end from api.billed_usage where tenant_id = %s""",
        (tenant, tenant),
    ).fetchall()
    for start, end in periods:
        ledger = m.db.execute(
            "select coalesce(sum(amount), 0) from core.usage_events where tenant_id = %s"
            " and billed and occurred_at >= %s and occurred_at < %s",
            (tenant, start, end),
        ).fetchone()[0]
        window = m.db.execute(
            "select extract(epoch from internal.minute_ceil(%s)),"
            " extract(epoch from internal.minute_ceil(%s))",
            (start, end),
        ).fetchone()
        assert fake.meter_total(customer, "ratecard_ai_tokens", *window) == ledger, (start, end)
    assert m.stripe_total(tenant) == m.ledger_total(tenant)

    est = m.billed(tenant)
    current = m.db.execute(
        "select extract(epoch from internal.minute_ceil(%s)),"
        " extract(epoch from internal.minute_ceil(%s))",
        (est["period_start"], est["period_end"]),
    ).fetchone()
    period_total = fake.meter_total(customer, "ratecard_ai_tokens", *current)
    assert period_total == est["used"]
    assert est["price_source"] == "subscription" and est["plan"] == plan
    assert fake.charge(est["price_id"], period_total) == est["estimated_overage_cents"]
    assert {r["status"] for r in m.reconcile(tenant, settle=timedelta(0))} == {"ok"}
