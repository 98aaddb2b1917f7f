"""Property-based test of the limit arithmetic against a small Python model of the rules:
policies, buffers, plan limits, seats, add-ons and overrides (sql/internal/usage_allows.sql,
usage_state.sql, refresh_entitlements.sql, sql/api/consume.sql, check_quota.sql)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sql.conftest import Api

_counter = itertools.count()


@dataclass(frozen=True)
class Case:
    kind: str  # metered | gauge
    plan_limit: int | None
    plan_row: bool  # does the plan have a row for the feature at all
    plan_enabled: bool
    policy: str
    buffer_pct: Decimal
    per_seat: bool
    seats: int
    addon_qty: int  # grant per unit
    addon_units: int  # 0 = no add-on
    override: tuple[int | None, bool] | None  # (limit, enabled)
    amounts: tuple[int, ...]


def effective(c: Case) -> tuple[bool, int | None]:
    """The rules of docs/sql_api.md: override, else plan (x seats) + add-ons."""
    if c.override is not None:
        limit, enabled = c.override
        return enabled, limit
    extra = c.addon_qty * c.addon_units
    if not c.plan_row or not c.plan_enabled:
        return extra > 0, extra
    if c.plan_limit is None:
        return True, None
    return True, c.plan_limit * (c.seats if c.per_seat else 1) + extra


def policy_of(c: Case) -> str:
    """Overrides replace limit and switch, not the policy; add-on-only grants are hard."""
    return c.policy if (c.plan_row and c.plan_enabled) else "block"


def soft_cap(limit: int, buffer: Decimal) -> int:
    return int((Decimal(limit) * (1 + buffer / 100)).to_integral_value(rounding=ROUND_FLOOR))


def allows(c: Case, enabled: bool, limit: int | None, used: int, amount: int) -> bool:
    if amount <= 0:
        return True
    if not enabled:
        return False
    if limit is None:
        return True
    policy = policy_of(c)
    if policy == "block":
        return used + amount <= limit
    if policy == "soft":
        return used + amount <= soft_cap(limit, c.buffer_pct)  # grace never expires here
    return True


def state(c: Case, enabled: bool, limit: int | None, used: int) -> str:
    policy = policy_of(c)
    if not enabled:
        return "disabled"
    if limit is None:
        return "ok"
    if policy == "block" and used >= limit:
        return "blocked"
    if policy == "soft" and used >= soft_cap(limit, c.buffer_pct):
        return "blocked"
    if used > limit:
        return "over_limit"
    if limit == 0:
        return "ok"
    return "warning" if used * 100 >= limit * 80 else "ok"


cases = st.builds(
    Case,
    kind=st.sampled_from(["metered", "gauge"]),
    plan_limit=st.one_of(st.none(), st.integers(0, 60)),
    plan_row=st.booleans(),
    plan_enabled=st.booleans(),
    policy=st.sampled_from(["block", "soft", "bill"]),
    buffer_pct=st.sampled_from([Decimal(0), Decimal(5), Decimal("12.5"), Decimal(50)]),
    per_seat=st.booleans(),
    seats=st.integers(1, 4),
    addon_qty=st.integers(1, 10),
    addon_units=st.integers(0, 2),
    override=st.one_of(
        st.none(), st.tuples(st.one_of(st.none(), st.integers(0, 40)), st.booleans())
    ),
    amounts=st.lists(st.integers(-15, 25).filter(lambda a: a != 0), min_size=1, max_size=12).map(
        tuple
    ),
)


@pytest.fixture
def property_api(catalog: Api) -> Api:
    catalog.admin("select api.define_plan('prop', 'Prop', 100, p_per_seat => true)")
    return catalog


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(c=cases)
def test_consume_and_check_match_the_model(property_api: Api, c: Case) -> None:
    api = property_api
    n = next(_counter)
    feature, addon = f"f{n}", f"a{n}"
    try:
        with api.conn.transaction():
            api.conn.execute("set local role ratecard_admin")
            api.conn.execute("select api.define_feature(%s, %s)", (feature, c.kind))
            if c.plan_row:
                api.conn.execute(
                    "select api.set_plan_limit('prop', %s, %s, %s, %s, %s, null, %s)",
                    (feature, c.plan_limit, c.plan_enabled, c.policy, c.buffer_pct, c.per_seat),
                )
            tenant = api.conn.execute("select api.create_tenant('p')").fetchone()[0]
            api.conn.execute("select api.assign_plan(%s, 'prop', %s)", (tenant, c.seats))
            if c.addon_units:
                api.conn.execute("select api.define_addon(%s, 'A')", (addon,))
                api.conn.execute(
                    "select api.set_addon_grant(%s, %s, %s)", (addon, feature, c.addon_qty)
                )
                api.conn.execute(
                    "select api.grant_addon(%s, %s, %s)", (tenant, addon, c.addon_units)
                )
            if c.override is not None:
                api.conn.execute(
                    "select api.set_override(%s, %s, %s, %s)",
                    (tenant, feature, c.override[0], c.override[1]),
                )
            enabled, limit = effective(c)
            used = 0
            for amount in c.amounts:
                if amount < 0 and c.kind != "gauge":
                    continue
                if amount > 0:
                    checked = api.conn.execute(
                        "select api.check_quota(%s, %s, %s)", (tenant, feature, amount)
                    ).fetchone()[0]
                    assert checked == allows(c, enabled, limit, used, amount)
                row = api.conn.execute(
                    'select allowed, used, "limit", state from api.consume(%s, %s, %s)',
                    (tenant, feature, amount),
                ).fetchone()
                expected_allowed = allows(c, enabled, limit, used, amount)
                if expected_allowed:
                    used = max(used + amount, 0)
                assert row == (expected_allowed, used, limit, state(c, enabled, limit, used)), c
            ledger = api.conn.execute(
                "select coalesce(sum(amount), 0) from core.usage_events"
                " where tenant_id = %s and feature = %s",
                (tenant, feature),
            ).fetchone()[0]
            assert ledger == used
            raise psycopg.Rollback
    finally:
        pass
