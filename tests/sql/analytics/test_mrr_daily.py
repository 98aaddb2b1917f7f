"""analytics.mrr_daily and the views that start at the first MRR point (mrr_movements,
mrr_movements_daily, customer_growth): a point still in the future is not history yet.

A tenant can have no MRR now and a known change later (a 100%-off coupon that ends next
month writes its point at the coupon's end): the views then start at the first point up
to now, or show nothing, rather than asking analytics.revenue_periods for a range that
ends before it starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.sql.conftest import Api

NOW = datetime(2026, 1, 1, 1, tzinfo=UTC)
VIEWS = ("mrr_daily", "mrr_movements", "mrr_movements_daily", "customer_growth")


def _point(api: Api, tenant: object, at: datetime, mrr: int, prev: int = 0) -> None:
    api.conn.execute(
        "insert into core.mrr_points (tenant_id, at, history_id, currency, mrr_cents,"
        " trial_mrr_cents, prev_currency, prev_mrr_cents, first_paid_at)"
        " values (%s, %s, 0, 'usd', %s, 0, 'usd', %s, %s)",
        (tenant, at, mrr, prev, at if mrr else None),
    )


@pytest.mark.parametrize("view", VIEWS)
def test_only_future_points_show_no_history(api: Api, view: str) -> None:
    api.set_clock(NOW)
    _point(api, api.tenant("later"), NOW + timedelta(days=1), 4900)
    rows = api.admin(f"select * from analytics.{view}")
    if view == "customer_growth":  # tenants are counted; no one pays yet
        assert [r["paying_customers"] for r in rows] == [0]
    else:
        assert rows == []


def test_history_starts_at_the_first_point_up_to_now(api: Api) -> None:
    api.set_clock(NOW)
    t = api.tenant("paying")
    _point(api, t, NOW - timedelta(days=2), 4900)
    _point(api, api.tenant("later"), NOW + timedelta(days=3), 9900)
    days = api.admin("select day, mrr_cents from analytics.mrr_daily order by day")
    assert [(str(d["day"]), d["mrr_cents"]) for d in days] == [
        ("2025-12-30", 4900),
        ("2025-12-31", 4900),
        ("2026-01-01", 4900),
    ]
