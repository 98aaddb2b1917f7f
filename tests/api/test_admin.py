"""Admin routes (admin keys, api/routes/admin.py): features, plans, plan limits, tenant
overrides, plans and add-ons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error

ZERO = "00000000-0000-0000-0000-000000000000"


def ent(client: TestClient, demo: Demo, tenant: UUID, feature: str) -> dict[str, Any]:
    r = client.get(f"/v1/tenants/{tenant}/entitlements/{feature}", headers=demo.service)
    assert r.status_code == 200, r.text
    return r.json()


def test_define_feature(client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    r = client.put(
        "/v1/admin/features/exports",
        json={"kind": "metered", "reset": "day", "unit": "exports", "name": "Exports"},
        headers=demo.admin,
    )
    assert (r.status_code, r.json()) == (200, {"code": "exports"})
    row = db.execute("select kind, reset, unit, name from api.features where code = 'exports'")
    assert row.fetchone() == ("metered", "day", "exports", "Exports")
    # an upsert: renaming is fine, changing the kind is not
    r = client.put("/v1/admin/features/exports", json={"kind": "metered", "name": "CSV"},
                   headers=demo.admin)  # fmt: skip
    assert r.status_code == 200
    r = client.put("/v1/admin/features/exports", json={"kind": "gauge"}, headers=demo.admin)
    assert_error(r, 409, "feature_definition_conflict")


@pytest.mark.parametrize(
    ("code", "body", "status", "api_code"),
    [
        ("Bad Code", {"kind": "metered"}, 422, "invalid_name"),
        ("x", {"kind": "volume"}, 422, "invalid_argument"),
        ("x", {"kind": "metered", "reset": "week"}, 422, "invalid_argument"),
        ("x", {}, 422, "invalid_request"),
        ("x", {"kind": "metered", "durable": "no"}, 422, "invalid_request"),
    ],
)
def test_define_feature_bad_input(
    client: TestClient, demo: Demo, code: str, body: dict[str, Any], status: int, api_code: str
) -> None:
    r = client.put(f"/v1/admin/features/{code}", json=body, headers=demo.admin)
    assert_error(r, status, api_code)


def test_define_plan_and_limits(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    r = client.put(
        "/v1/admin/plans/team",
        json={"name": "Team", "price_cents": 9900, "per_seat": True, "trial_days": 7},
        headers=h,
    )
    assert (r.status_code, r.json()) == (200, {"code": "team"})
    r = client.put(
        "/v1/admin/plans/team/limits/ai_decisions",
        json={"limit": 500, "overage": "soft", "buffer_pct": 10, "grace_seconds": 86400},
        headers=h,
    )
    assert (r.status_code, r.json()) == (200, {"plan": "team", "feature": "ai_decisions"})
    team = next(p for p in client.get("/v1/plans", headers=h).json() if p["code"] == "team")
    assert (team["price_cents"], team["per_seat"], team["trial_days"]) == (9900, True, 7)
    (lim,) = team["limits"]
    assert (lim["limit"], lim["overage"], lim["buffer_pct"], lim["grace_seconds"]) == (
        500,
        "soft",
        10,
        86400,
    )
    # a tenant on the plan sees it at once
    r = client.post("/v1/tenants", json={"name": "T", "plan": "team"}, headers=demo.service)
    tid = r.json()["tenant_id"]
    assert ent(client, demo, tid, "ai_decisions")["limit"] == 500
    # null = unlimited
    client.put("/v1/admin/plans/team/limits/ai_decisions", json={"limit": None}, headers=h)
    assert ent(client, demo, tid, "ai_decisions")["limit"] is None


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/admin/plans/x", {"name": "X", "price_cents": -1}, 422, "invalid_amount"),
        ("/v1/admin/plans/x", {"name": "X", "price_cents": 1, "currency": "US"}, 422,
         "invalid_argument"),
        ("/v1/admin/plans/x", {"name": "X", "price_cents": 1, "interval": "week"}, 422,
         "invalid_argument"),
        ("/v1/admin/plans/x", {"name": "X", "price_cents": 9.99}, 422, "invalid_request"),
        ("/v1/admin/plans/x", {"price_cents": 1}, 422, "invalid_request"),
        ("/v1/admin/plans/gold/limits/sso", {"limit": None}, 404, "tier_not_found"),
        ("/v1/admin/plans/pro/limits/nope", {"limit": 1}, 404, "feature_not_found"),
        ("/v1/admin/plans/pro/limits/api_calls", {"limit": -1}, 422, "invalid_amount"),
        ("/v1/admin/plans/pro/limits/api_calls", {"limit": 1, "overage": "maybe"}, 422,
         "invalid_argument"),
        ("/v1/admin/plans/pro/limits/api_calls", {"limit": 1, "grace_seconds": -5}, 422,
         "invalid_argument"),
        ("/v1/admin/plans/pro/limits/api_calls", {"limit": 1, "buffer_pct": 5000}, 422,
         "invalid_argument"),
        ("/v1/admin/plans/pro/limits/api_calls", {}, 422, "invalid_request"),  # limit required
    ],
)  # fmt: skip
def test_plan_bad_input(
    client: TestClient, demo: Demo, path: str, body: dict[str, Any], status: int, code: str
) -> None:
    assert_error(client.put(path, json=body, headers=demo.admin), status, code)


def test_overrides(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    base = f"/v1/admin/tenants/{demo.acme}/overrides/ai_decisions"
    r = client.put(base, json={"limit": 7}, headers=h)
    assert (r.status_code, r.json()) == (
        200,
        {"tenant_id": str(demo.acme), "feature": "ai_decisions"},
    )
    e = ent(client, demo, demo.acme, "ai_decisions")
    assert (e["limit"], e["source"]) == (7, "override")
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    client.put(base, json={"limit": 9, "expires_at": later}, headers=h)
    assert ent(client, demo, demo.acme, "ai_decisions")["limit"] == 9
    assert client.delete(base, headers=h).json() == {"removed": True}
    assert client.delete(base, headers=h).json() == {"removed": False}
    assert ent(client, demo, demo.acme, "ai_decisions")["limit"] == 100


@pytest.mark.parametrize(
    ("tenant", "feature", "body", "status", "code"),
    [
        (ZERO, "sso", {"limit": None}, 404, "tenant_not_found"),
        ("ACME", "nope", {"limit": 1}, 404, "feature_not_found"),
        ("ACME", "api_calls", {"limit": -1}, 422, "invalid_amount"),
        ("ACME", "api_calls", {"limit": 1, "expires_at": "2000-01-01T00:00:00Z"}, 422,
         "invalid_argument"),
        ("ACME", "api_calls", {"limit": 1, "expires_at": "2100-01-01T00:00:00"}, 422,
         "invalid_request"),
        ("ACME", "api_calls", {"enabled": False}, 422, "invalid_request"),
    ],
)  # fmt: skip
def test_override_bad_input(
    client: TestClient,
    demo: Demo,
    tenant: str,
    feature: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    tenant = str(demo.acme) if tenant == "ACME" else tenant
    r = client.put(f"/v1/admin/tenants/{tenant}/overrides/{feature}", json=body, headers=demo.admin)
    assert_error(r, status, code)


def test_assign_plan(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    r = client.put(f"/v1/admin/tenants/{demo.acme}/plan", json={"plan": "pro", "seats": 2},
                   headers=h)  # fmt: skip
    assert (r.status_code, r.json()) == (
        200,
        {"tenant_id": str(demo.acme), "plan": "pro", "seats": 2},
    )
    assert ent(client, demo, demo.acme, "ai_decisions")["limit"] == 10000
    for body, status, code in [
        ({"plan": "nope"}, 404, "tier_not_found"),
        ({"plan": "pro", "seats": 0}, 422, "invalid_amount"),
        ({"plan": "pro", "seats": "2"}, 422, "invalid_request"),
    ]:
        r = client.put(f"/v1/admin/tenants/{demo.acme}/plan", json=body, headers=h)
        assert_error(r, status, code)
    r = client.put(f"/v1/admin/tenants/{ZERO}/plan", json={"plan": "pro"}, headers=h)
    assert_error(r, 404, "tenant_not_found")


def test_grant_and_revoke_addons(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    base = f"/v1/admin/tenants/{demo.acme}/addons"
    assert ent(client, demo, demo.acme, "email_addresses")["limit"] == 1
    r = client.post(f"{base}/extra_emails", json={"quantity": 2}, headers=h)
    assert (r.status_code, r.json()["quantity"]) == (200, 2)
    assert ent(client, demo, demo.acme, "email_addresses")["limit"] == 11
    r = client.post(f"{base}/extra_emails", headers=h)  # no body: one unit
    assert r.json()["quantity"] == 1
    assert ent(client, demo, demo.acme, "email_addresses")["limit"] == 6
    assert client.delete(f"{base}/extra_emails", headers=h).json() == {"revoked": True}
    assert client.delete(f"{base}/extra_emails", headers=h).json() == {"revoked": False}
    assert ent(client, demo, demo.acme, "email_addresses")["limit"] == 1
    assert_error(client.post(f"{base}/nope", headers=h), 404, "addon_not_found")
    assert_error(
        client.post(f"{base}/extra_emails", json={"quantity": 0}, headers=h), 422, "invalid_amount"
    )
    assert_error(
        client.post(f"/v1/admin/tenants/{ZERO}/addons/extra_emails", headers=h),
        404,
        "tenant_not_found",
    )


def test_feature_catalog_by_category(client: TestClient, demo: Demo) -> None:
    r = client.put("/v1/admin/features/exports", json={"kind": "gauge", "category": "data"},
                   headers=demo.admin)  # fmt: skip
    assert r.status_code == 200, r.text
    r = client.get("/v1/admin/feature-catalog", headers=demo.admin)
    assert r.status_code == 200, r.text
    groups = {g["category"]: g for g in r.json()["categories"]}
    assert list(groups) == sorted(groups)
    assert {f["code"] for f in groups["data"]["features"]} == {
        "data_retention_days", "exports", "storage_bytes"}  # fmt: skip
    assert groups["ai"]["feature_count"] == 2
    r = client.put("/v1/admin/features/exports", json={"kind": "gauge", "category": "Data"},
                   headers=demo.admin)  # fmt: skip
    assert_error(r, 422, "invalid_name")
    assert_error(client.get("/v1/admin/feature-catalog", headers=demo.service), 403, "forbidden")


def test_plan_limit_set_read_and_replaced(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/admin/plans/starter/limits", headers=demo.admin)
    assert r.status_code == 200, r.text
    limits = {x["feature"]: x for x in r.json()["limits"]}
    assert limits["storage_bytes"]["grace_seconds"] == 7 * 86400
    assert limits["storage_bytes"]["buffer_pct"] == 5
    body = {"limits": [
        {"feature": "ai_decisions", "limit": 250},
        {"feature": "storage_bytes", "limit": 1000, "overage": "soft", "buffer_pct": 2.5,
         "grace_seconds": 3600},
        {"feature": "sso"},
    ]}  # fmt: skip
    r = client.put("/v1/admin/plans/starter/limits", json=body, headers=demo.admin)
    assert r.status_code == 200, r.text
    got = {x["feature"]: x for x in r.json()["limits"]}
    assert set(got) == {"ai_decisions", "storage_bytes", "sso"}
    assert got["storage_bytes"]["buffer_pct"] == 2.5
    assert ent(client, demo, demo.acme, "ai_decisions")["limit"] == 250
    assert ent(client, demo, demo.acme, "sso")["enabled"] is True
    assert ent(client, demo, demo.acme, "api_calls")["enabled"] is False


@pytest.mark.parametrize(
    ("plan", "body", "status", "code"),
    [
        ("gold", {"limits": []}, 404, "tier_not_found"),
        ("starter", {"limits": [{"feature": "nope"}]}, 404, "feature_not_found"),
        ("starter", {"limits": [{"feature": "sso"}, {"feature": "sso"}]}, 422, "invalid_argument"),
        ("starter", {"limits": [{"feature": "sso", "limit": -1}]}, 422, "invalid_amount"),
        ("starter", {"limits": [{"feature": "sso", "overage": "x"}]}, 422, "invalid_argument"),
        ("starter", {"limits": [{"feature": "sso", "colour": "red"}]}, 422, "invalid_request"),
        ("starter", [{"feature": "sso"}], 422, "invalid_request"),
    ],
)
def test_plan_limit_set_errors_change_nothing(
    client: TestClient, demo: Demo, plan: str, body: Any, status: int, code: str
) -> None:
    before = client.get("/v1/admin/plans/starter/limits", headers=demo.admin).json()
    r = client.put(f"/v1/admin/plans/{plan}/limits", json=body, headers=demo.admin)
    assert_error(r, status, code)
    assert client.get("/v1/admin/plans/starter/limits", headers=demo.admin).json() == before


def test_a_plan_with_tenants_is_retired_not_deleted(client: TestClient, demo: Demo) -> None:
    body = assert_error(client.delete("/v1/admin/plans/pro", headers=demo.admin), 409,
                        "plan_in_use")  # fmt: skip
    assert body["message"] == "plan pro is in use by 1 tenant"
    assert body["detail"] == "tenants 1"
    r = client.put("/v1/admin/plans/pro", json={"name": "Pro", "price_cents": 4900,
                                               "per_seat": True, "active": False},
                   headers=demo.admin)  # fmt: skip
    assert r.status_code == 200, r.text
    pro = next(p for p in client.get("/v1/plans", headers=demo.admin).json()
               if p["code"] == "pro")  # fmt: skip
    assert (pro["active"], pro["annual_price_cents"]) == (False, 49000)
    r = client.put("/v1/admin/plans/team", json={"name": "Team", "price_cents": 900},
                   headers=demo.admin)  # fmt: skip
    assert r.status_code == 200
    r = client.delete("/v1/admin/plans/team", headers=demo.admin)
    assert (r.status_code, r.json()) == (200, {"code": "team", "deleted": True})
    assert_error(client.delete("/v1/admin/plans/team", headers=demo.admin), 404, "tier_not_found")


def test_tenant_in_one_call(client: TestClient, demo: Demo) -> None:
    client.post("/v1/consume", json={"tenant_id": str(demo.acme), "feature": "ai_decisions",
                                     "amount": 85}, headers=demo.service)  # fmt: skip
    r = client.get(f"/v1/admin/tenants/{demo.acme}", headers=demo.admin)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["tenant"]["name"] == "Acme Corp" and doc["subscription"] is None
    assert doc["plan"] == {"code": "starter", "name": "Starter"}
    ai = next(u for u in doc["usage"] if u["feature"] == "ai_decisions")
    assert (ai["used"], ai["limit"], ai["level"], ai["is_approaching_limit"]) == (
        85, 100, "high", True)  # fmt: skip
    globex = client.get(f"/v1/admin/tenants/{demo.globex}", headers=demo.admin).json()
    assert (globex["subscription"]["plan"], globex["subscription"]["seats"]) == ("pro", 3)
    assert_error(client.get(f"/v1/admin/tenants/{ZERO}", headers=demo.admin), 404,
                 "tenant_not_found")  # fmt: skip


def test_tenant_overrides_read_and_replaced(client: TestClient, demo: Demo) -> None:
    url = f"/v1/admin/tenants/{demo.acme}/overrides"
    client.put(f"{url}/members", json={"limit": 9}, headers=demo.admin)
    assert [o["feature"] for o in client.get(url, headers=demo.admin).json()["overrides"]] == [
        "members"]  # fmt: skip
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {"overrides": [{"feature": "ai_decisions", "limit": 5000, "expires_at": until,
                           "reason": "pilot"}]}  # fmt: skip
    r = client.put(url, json=body, headers=demo.admin)
    assert r.status_code == 200, r.text
    [o] = r.json()["overrides"]
    assert (o["feature"], o["limit"], o["reason"], o["live"]) == (
        "ai_decisions", 5000, "pilot", True)  # fmt: skip
    assert ent(client, demo, demo.acme, "ai_decisions")["limit"] == 5000
    assert ent(client, demo, demo.acme, "members")["source"] == "plan"
    bad = {"overrides": [{"feature": "members", "limit": 1, "expires_at": "2001-01-01T00:00:00Z"}]}
    assert_error(client.put(url, json=bad, headers=demo.admin), 422, "invalid_argument")
    assert_error(client.put(url, json={"overrides": [{"feature": "x"}]}, headers=demo.admin),
                 404, "feature_not_found")  # fmt: skip
    assert len(client.get(url, headers=demo.admin).json()["overrides"]) == 1
