"""GET /v1/features, /v1/plans (each with its limits, one query), /v1/addons."""

from __future__ import annotations

import psycopg
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error


def test_features(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/features", headers=demo.service)
    assert r.status_code == 200
    by = {f["code"]: f for f in r.json()}
    assert list(by) == sorted(by)
    assert by["api_calls_hourly"] == {
        "code": "api_calls_hourly",
        "kind": "metered",
        "reset": "hour",
        "unit": "calls",
        "name": "API calls per hour (rate limit)",
        "durable": False,
        "category": "api",
    }
    assert by["sso"]["kind"] == "switch" and by["sso"]["reset"] is None


def test_plans_with_limits(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/plans", headers=demo.service)
    assert r.status_code == 200
    plans = {p["code"]: p for p in r.json()}
    assert list(plans) == ["starter", "pro", "enterprise"]  # sort order, then price
    pro = plans["pro"]
    assert (pro["price_cents"], pro["per_seat"], pro["trial_days"]) == (4900, True, 14)
    limits = {lim["feature"]: lim for lim in pro["limits"]}
    assert limits["ai_tokens"]["limit"] == 5_000_000 and limits["ai_tokens"]["overage"] == "bill"
    storage = {lim["feature"]: lim for lim in plans["starter"]["limits"]}["storage_bytes"]
    assert (storage["overage"], storage["buffer_pct"], storage["grace_seconds"]) == (
        "soft",
        5,
        7 * 86400,
    )
    enterprise = {lim["feature"]: lim for lim in plans["enterprise"]["limits"]}
    # everything unlimited but AI tokens, paid as you go (nothing included, all billed)
    assert all(lim["limit"] is None for f, lim in enterprise.items() if f != "ai_tokens")
    assert (enterprise["ai_tokens"]["limit"], enterprise["ai_tokens"]["overage"]) == (0, "bill")
    assert "plan" not in storage


def test_tenant_keys_see_public_plans_only(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    db.execute("select api.define_plan('secret', 'Secret deal', 100, p_is_public => false)")
    assert "secret" in {p["code"] for p in client.get("/v1/plans", headers=demo.admin).json()}
    mine = {p["code"] for p in client.get("/v1/plans", headers=demo.tenant).json()}
    assert mine == {"starter", "pro", "enterprise"}


def test_addons(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/addons", headers=demo.tenant)
    assert r.status_code == 200
    by = {a["code"]: a for a in r.json()}
    assert by["extra_emails"]["grants"] == {"email_addresses": 5}
    assert by["extra_emails"]["price_cents"] == 500


def test_catalog_needs_a_key(client: TestClient, demo: Demo) -> None:
    for path in ("/v1/features", "/v1/plans", "/v1/addons"):
        assert_error(client.get(path), 401, "unauthorized")
