"""Admin routes: catalog, limits, overrides, plans and add-ons (api/routes/admin.py)."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.api.conftest import Demo


def ent(client: TestClient, demo: Demo, tenant, feature: str) -> dict:
    return client.get(f"/v1/tenants/{tenant}/entitlements/{feature}", headers=demo.service).json()


def test_catalog_and_limits(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    assert (
        client.put(
            "/v1/admin/features/exports", json={"kind": "metered", "reset": "day"}, headers=h
        ).status_code
        == 200
    )
    assert (
        client.put(
            "/v1/admin/plans/team", json={"name": "Team", "price_cents": 9900}, headers=h
        ).status_code
        == 200
    )
    r = client.put(
        "/v1/admin/plans/starter/limits/exports",
        json={"limit": 5, "overage": "soft", "buffer_pct": "10", "grace_seconds": 86400},
        headers=h,
    )
    assert r.status_code == 200, r.text
    e = ent(client, demo, demo.acme, "exports")
    assert (e["limit"], e["kind"]) == (5, "metered")
    bad = client.put(
        "/v1/admin/plans/starter/limits/exports", json={"limit": 5, "overage": "maybe"}, headers=h
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_argument")
    bad = client.put("/v1/admin/features/Bad Code", json={"kind": "metered"}, headers=h)
    assert bad.status_code == 422


def test_overrides_plans_addons(client: TestClient, demo: Demo) -> None:
    h = demo.admin
    base = f"/v1/admin/tenants/{demo.acme}"
    assert (
        client.put(f"{base}/overrides/ai_decisions", json={"limit": 7}, headers=h).status_code
        == 200
    )
    assert ent(client, demo, demo.acme, "ai_decisions")["source"] == "override"
    assert client.delete(f"{base}/overrides/ai_decisions", headers=h).json() == {"removed": True}
    assert (
        client.put(f"{base}/plan", json={"plan": "pro", "seats": 2}, headers=h).status_code == 200
    )
    assert ent(client, demo, demo.acme, "ai_decisions")["limit"] == 10000
    assert (
        client.put(f"{base}/addons/extra_emails", json={"quantity": 2}, headers=h).status_code
        == 200
    )
    assert ent(client, demo, demo.acme, "email_addresses")["limit"] == 15
    assert client.delete(f"{base}/addons/extra_emails", headers=h).json() == {"revoked": True}
    r = client.put(f"{base}/plan", json={"plan": "nope"}, headers=h)
    assert (r.status_code, r.json()["code"]) == (404, "plan_not_found")


def test_admin_routes_need_admin_keys(client: TestClient, demo: Demo) -> None:
    for headers in (demo.service, demo.tenant):
        r = client.put("/v1/admin/plans/x", json={"name": "X", "price_cents": 1}, headers=headers)
        assert (r.status_code, r.json()["code"]) == (403, "forbidden")
