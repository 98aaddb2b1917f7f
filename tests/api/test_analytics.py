"""Analytics and platform-health routes (admin keys, api/routes/analytics.py) on the demo
data: the figures written in docs/analytics.md, input errors, and who may call them."""

from __future__ import annotations

import psycopg
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error


def test_demo_figures(client: TestClient, demo: Demo) -> None:
    # docs/analytics.md, "The demo data": Globex pays for 3 Pro seats ($49 each), Initech
    # for Enterprise ($499); Acme is on the free Starter plan.
    r = client.get("/v1/admin/analytics/kpis", headers=demo.admin)
    assert r.status_code == 200, r.text
    (k,) = r.json()
    assert (k["currency"], k["mrr_cents"], k["arr_cents"], k["paying_customers"]) == (
        "usd",
        64600,
        775200,
        2,
    )
    assert (k["arpa_cents"], k["trial_mrr_cents"], k["ltv_cents"], k["cac_cents"]) == (
        32300,
        0,
        None,
        None,
    )
    r = client.get("/v1/admin/analytics/plans", headers=demo.admin)
    assert sorted((p["plan"], p["status"], p["tenants"], p["mrr_cents"]) for p in r.json()) == [
        ("enterprise", "active", 1, 49900),
        ("pro", "active", 1, 14700),
        ("starter", "none", 1, 0),
    ]
    r = client.get("/v1/admin/analytics/mrr?interval=day", headers=demo.admin)
    assert r.json()[-1] | {"period": None} == {
        "period": None,
        "currency": "usd",
        "mrr_cents": 64600,
        "arr_cents": 775200,
        "paying_customers": 2,
        "trial_mrr_cents": 0,
    }
    r = client.get("/v1/admin/analytics/movements?currency=usd", headers=demo.admin)
    last = r.json()[-1]
    assert (last["new_cents"], last["new_customers"], last["net_cents"]) == (64600, 2, 64600)
    assert client.get("/v1/admin/analytics/movements?currency=eur",
                      headers=demo.admin).json() == []  # fmt: skip
    r = client.get("/v1/admin/analytics/forecast", headers=demo.admin)
    assert r.status_code == 200 and r.json() == []  # one month of history is no trend
    stats = client.get("/v1/admin/subscriptions/stats", headers=demo.admin).json()
    assert (stats["total_subscriptions"], stats["total_tenants"], stats["by_status"]) == (
        2,
        3,
        {"active": 2},
    )
    assert stats["revenue"][0]["mrr_cents"] == 64600


def test_platform_health(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    recs = client.get("/v1/admin/platform-health/recommendations", headers=h).json()
    assert [r["title"] for r in recs] == ["No capacity snapshot yet"]
    r = client.post("/v1/admin/platform-health/snapshot", headers=h)
    assert r.status_code == 200 and r.json()["tenants_total"] == 3
    cap = client.get("/v1/admin/platform-health/capacity", headers=h).json()
    assert cap["tenants_total"] == 3 and cap["tier_distribution"] == {
        "starter": 1,
        "pro": 1,
        "enterprise": 1,
    }
    sub = client.get("/v1/admin/platform-health/subscription-capacity", headers=h).json()
    assert sub["total_subscriptions"] == 2 and "members" in sub["features"]
    trends = client.get("/v1/admin/platform-health/trends?days=7", headers=h).json()
    assert trends["snapshots_available"] == 1
    assert trends["trends"]["tenants_total"]["current_value"] == 3
    health = client.get("/v1/admin/platform-health/health", headers=h).json()
    assert health["status"] == "ok"
    assert [r["title"] for r in health["recommendations"]] == ["Current tier: Starter"]


def test_acquisition_spend_feeds_cac(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    r = client.put(
        "/v1/admin/analytics/acquisition-spend",
        headers=demo.admin,
        json={"month": "2026-03-01", "channel": "ads", "amount_cents": 1000},
    )
    assert r.json() == {
        "month": "2026-03-01",
        "channel": "ads",
        "currency": "usd",
        "amount_cents": 1000,
    }
    r = client.put(
        "/v1/admin/analytics/acquisition-spend",
        headers=demo.admin,
        json={"month": "2026-03-01", "channel": "Ads", "amount_cents": 1},
    )
    assert_error(r, 422, "invalid_argument")
    assert db.execute("select amount_cents from core.acquisition_spend").fetchall() == [(1000,)]


def test_bad_input_and_roles(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    assert_error(
        client.get("/v1/admin/analytics/mrr?interval=week", headers=h), 422, "invalid_argument"
    )
    assert_error(
        client.get("/v1/admin/analytics/movements?from=2026-05-01&to=2026-04-01", headers=h),
        422,
        "invalid_argument",
    )
    assert_error(
        client.get("/v1/admin/platform-health/trends?days=0", headers=h), 422, "invalid_argument"
    )
    assert client.get("/v1/admin/analytics/mrr?from=nope", headers=h).status_code in (400, 422)
    for path in (
        "/v1/admin/analytics/kpis",
        "/v1/admin/platform-health/health",
        "/v1/admin/subscriptions/stats",
    ):
        assert_error(client.get(path, headers=demo.service), 403, "forbidden")
        assert_error(client.get(path, headers=demo.tenant), 403, "forbidden")
        assert_error(client.get(path), 401, "unauthorized")
