"""Periods: a new period starts at zero without any job; history stays queryable
(sql/internal/period_start.sql, period_end.sql)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.sql.conftest import Api


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_monthly_meter_resets_at_the_month(catalog: Api) -> None:
    catalog.set_clock(at(2026, 1, 31, 23, 59))
    t = catalog.tenant()
    assert catalog.consume(t, "calls", 10)["allowed"] is True
    assert catalog.check(t, "calls") is False
    catalog.set_clock(at(2026, 2, 1, 0, 0))
    e = catalog.entitlement(t, "calls")
    assert (e["used"], e["period_start"], e["period_end"]) == (0, at(2026, 2, 1), at(2026, 3, 1))
    assert catalog.consume(t, "calls", 10)["allowed"] is True
    history = catalog.conn.execute(
        "select period_start, used from api.usage_history where tenant_id = %s"
        " and feature = 'calls'",
        (t,),
    ).fetchall()
    assert history == [(at(2026, 2, 1), 10), (at(2026, 1, 1), 10)]


def test_hourly_window(catalog: Api) -> None:
    catalog.set_clock(at(2026, 6, 1, 10, 59, 59))
    t = catalog.tenant()
    assert catalog.consume(t, "hourly", 5)["allowed"] is True
    assert catalog.consume(t, "hourly")["allowed"] is False
    catalog.set_clock(at(2026, 6, 1, 11, 0, 0))
    assert catalog.consume(t, "hourly", 5)["allowed"] is True


def test_billing_period_follows_the_subscription_anchor(catalog: Api) -> None:
    catalog.set_clock(at(2026, 1, 31, 15, 0))
    t = catalog.tenant(plan="pro")
    catalog.consume(t, "tokens", 100)
    catalog.set_clock(at(2026, 2, 27, 0, 0))
    e = catalog.entitlement(t, "tokens")
    assert (e["used"], e["period_start"]) == (100, at(2026, 1, 31, 15, 0))
    # Jan 31 + 1 month = Feb 28 (month-end clamp), at 15:00 UTC.
    assert e["period_end"] == at(2026, 2, 28, 15, 0)
    catalog.set_clock(at(2026, 2, 28, 15, 0))
    assert catalog.entitlement(t, "tokens")["used"] == 0


@pytest.mark.parametrize(
    ("reset", "anchor", "interval", "now", "expected"),
    [
        ("month", None, None, at(2026, 12, 31, 23, 59), at(2026, 12, 1)),
        ("day", None, None, at(2026, 3, 8, 1, 2), at(2026, 3, 8)),
        ("hour", None, None, at(2026, 3, 8, 1, 2), at(2026, 3, 8, 1)),
        ("billing_period", None, None, at(2026, 7, 4), at(2026, 7, 1)),
        ("billing_period", at(2025, 3, 15, 8), "month", at(2026, 7, 15, 7), at(2026, 6, 15, 8)),
        ("billing_period", at(2025, 3, 15, 8), "month", at(2026, 7, 15, 8), at(2026, 7, 15, 8)),
        ("billing_period", at(2024, 2, 29), "year", at(2026, 3, 1), at(2026, 2, 28)),
        ("billing_period", at(2024, 2, 29), "year", at(2026, 2, 27), at(2025, 2, 28)),
        ("billing_period", at(2026, 5, 1), "month", at(2026, 4, 15), at(2026, 4, 1)),
    ],
)
def test_period_start_rules(catalog: Api, reset, anchor, interval, now, expected) -> None:
    got = catalog.scalar(
        "select internal.period_start(%s, %s::timestamptz, %s, %s::timestamptz)",
        reset,
        anchor,
        interval,
        now,
    )
    assert got == expected
    # The answer does not depend on the session time zone.
    catalog.conn.execute("set timezone = 'Pacific/Chatham'")
    try:
        assert (
            catalog.scalar(
                "select internal.period_start(%s, %s::timestamptz, %s, %s::timestamptz)",
                reset,
                anchor,
                interval,
                now,
            )
            == expected
        )
    finally:
        catalog.conn.execute("reset timezone")


def test_billing_period_end_counts_from_the_anchor(catalog: Api) -> None:
    catalog.set_clock(at(2026, 1, 31, 12))
    t = catalog.tenant(plan="pro")
    catalog.set_clock(at(2026, 3, 29))
    e = catalog.entitlement(t, "tokens")
    assert (e["period_start"], e["period_end"]) == (at(2026, 2, 28, 12), at(2026, 3, 31, 12))


def test_yearly_plan_resets_yearly(catalog: Api) -> None:
    catalog.set_clock(at(2026, 1, 15))
    catalog.admin("select api.define_plan('annual', 'Annual', 99000, p_interval => 'year')")
    catalog.admin("select api.set_plan_limit('annual', 'tokens', 100)")
    t = catalog.tenant(plan="annual")
    assert catalog.entitlement(t, "tokens")["period_end"] == at(2027, 1, 15)
    other = catalog.tenant()
    catalog.admin("select api.assign_plan(%s, 'annual')", other)
    assert (
        catalog.scalar(
            "select billing_interval from core.subscriptions where tenant_id = %s", other
        )
        == "year"
    )
