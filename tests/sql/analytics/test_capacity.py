"""Capacity (sql/api/measure_capacity.sql, capture_capacity_snapshot.sql) and what reads the
snapshots: analytics.growth_trends and analytics.scaling_recommendations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.sql.conftest import Api

DAY0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_snapshot_sums_usage_against_theoretical_limits(catalog: Api) -> None:
    catalog.set_clock(DAY0)
    a, b = catalog.tenant("a"), catalog.tenant("b", "pro")
    catalog.admin("select api.assign_plan(%s, 'pro', 2)", b)
    catalog.consume(a, "calls", 9)  # free: 10 calls
    catalog.consume(b, "calls", 50)  # pro: 100 per seat, 2 seats
    cap = catalog.admin("select api.measure_capacity() as c")[0]["c"]
    calls = cap["features"]["calls"]
    assert (calls["actual"], calls["theoretical_limit"], calls["unlimited_tenants"]) == (59, 210, 0)
    assert (calls["utilisation_pct"], calls["headroom"]) == (28.10, 151)
    assert cap["features"]["hourly"]["unlimited_tenants"] == 1  # pro: unlimited
    assert cap["tier_distribution"] == {"free": 1, "pro": 1}
    assert (cap["tenants_total"], cap["subscriptions_by_status"]) == (2, {"active": 1})
    assert cap["db_size_bytes"] > 0

    first = catalog.admin("select * from api.capture_capacity_snapshot()")[0]
    catalog.consume(a, "calls", 1)
    again = catalog.admin("select * from api.capture_capacity_snapshot()")[0]
    assert first["snapshot_date"] == again["snapshot_date"] == DAY0.date()
    rows = catalog.admin("select features from analytics.capacity_snapshots")
    assert len(rows) == 1 and rows[0]["features"]["calls"]["actual"] == 60


def _snapshot(api: Api, day: datetime, tenants: int, features: dict | None = None) -> None:
    api.conn.execute(
        "insert into core.capacity_snapshots values (%s, %s, %s, %s, 0, '{}', '{}', %s, 0, 1000)",
        (day.date(), day, tenants, tenants, json.dumps(features or {})),
    )


def test_growth_trends_follow_the_seed(catalog: Api) -> None:
    # seed 004: 140 -> 150 vendors over 30 days: 7.14%, 0.238 a day, 161 in a month
    _snapshot(catalog, DAY0, 140)
    _snapshot(catalog, DAY0 + timedelta(days=15), 146)
    _snapshot(catalog, DAY0 + timedelta(days=30), 150)
    catalog.set_clock(DAY0 + timedelta(days=30, hours=1))
    rows = {r["metric"]: r for r in catalog.admin("select * from analytics.growth_trends(31)")}
    t = rows["tenants_total"]
    assert (t["start_value"], t["current_value"], t["change"], t["days"], t["snapshots"]) == (
        140,
        150,
        10,
        30,
        3,
    )
    assert (float(t["growth_percent"]), float(t["daily_growth_rate"])) == (7.14, 0.238)
    assert t["monthly_projection"] == 161
    assert catalog.admin("select count(*) as n from analytics.growth_trends(10)")[0]["n"] > 0
    with pytest.raises(psycopg.Error) as info:
        catalog.admin("select * from analytics.growth_trends(0)")
    assert info.value.sqlstate == "RC005"


def test_recommendations_from_rules(catalog: Api) -> None:
    recs = catalog.admin("select * from analytics.scaling_recommendations")
    assert [(r["severity"], r["title"]) for r in recs] == [("info", "No capacity snapshot yet")]
    feats = {
        "calls": {"utilisation_pct": 96.5, "actual_within_limits": 965, "theoretical_limit": 1000},
        "members": {"utilisation_pct": 85, "actual_within_limits": 85, "theoretical_limit": 100},
        "tokens": {"utilisation_pct": 20, "actual_within_limits": 2, "theoretical_limit": 10},
    }
    _snapshot(catalog, DAY0, 250, feats)
    catalog.set_clock(DAY0)
    recs = catalog.admin("select * from analytics.scaling_recommendations")
    got = [(r["severity"], r["category"], r["title"]) for r in recs]
    assert got == [
        ("critical", "capacity", "Calls capacity nearly exhausted"),
        ("warning", "capacity", "Members capacity approaching limit"),
        ("warning", "infrastructure", "Approaching the Large tier"),
        ("info", "infrastructure", "Current tier: Medium"),
    ]
    assert "Next upgrade trigger: 301 tenants" in recs[3]["description"]
    catalog.set_clock(DAY0 + timedelta(days=5))
    titles = [r["title"] for r in catalog.admin("select * from analytics.scaling_recommendations")]
    assert "Capacity snapshots are stale" in titles
