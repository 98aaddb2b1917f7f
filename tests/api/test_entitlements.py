"""GET /v1/tenants/{id}/entitlements[/{feature}] (api.list_entitlements,
api.get_entitlement)."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error

ZERO = "00000000-0000-0000-0000-000000000000"
COLUMNS = {
    "feature",
    "kind",
    "enabled",
    "limit",
    "used",
    "remaining",
    "percent_used",
    "period_start",
    "period_end",
    "state",
    "grace_until",
    "source",
}


def test_list(client: TestClient, demo: Demo) -> None:
    client.post(
        "/v1/consume",
        json={"tenant_id": str(demo.acme), "feature": "ai_decisions", "amount": 85},
        headers=demo.service,
    )
    r = client.get(f"/v1/tenants/{demo.acme}/entitlements", headers=demo.service)
    assert r.status_code == 200
    body = r.json()
    assert body["tenant_id"] == str(demo.acme)
    rows = body["entitlements"]
    assert [e["feature"] for e in rows] == sorted(e["feature"] for e in rows)
    by = {e["feature"]: e for e in rows}
    assert set(by["ai_decisions"]) == COLUMNS
    ai = by["ai_decisions"]
    assert (ai["used"], ai["limit"], ai["remaining"], ai["state"]) == (85, 100, 15, "warning")
    assert ai["percent_used"] == 85.0  # a JSON number, not a string
    assert ai["period_start"].startswith("20") and ai["source"] == "plan"
    assert by["sso"]["enabled"] is False and by["sso"]["kind"] == "switch"


def test_one(client: TestClient, demo: Demo) -> None:
    r = client.get(f"/v1/tenants/{demo.globex}/entitlements/ai_tokens", headers=demo.admin)
    assert r.status_code == 200
    e = r.json()
    assert set(e) == COLUMNS
    assert (e["feature"], e["limit"], e["used"], e["state"]) == ("ai_tokens", 5_000_000, 0, "ok")


def test_unknown_tenant_or_feature(client: TestClient, demo: Demo) -> None:
    h = demo.service
    assert_error(client.get(f"/v1/tenants/{ZERO}/entitlements", headers=h), 404, "tenant_not_found")
    assert_error(
        client.get(f"/v1/tenants/{ZERO}/entitlements/sso", headers=h), 404, "tenant_not_found"
    )
    assert_error(
        client.get(f"/v1/tenants/{demo.acme}/entitlements/nope", headers=h),
        404,
        "feature_not_found",
    )


def test_invalid_uuid_in_the_path_is_a_json_404(client: TestClient, demo: Demo) -> None:
    for path in ("/v1/tenants/acme/entitlements", "/v1/tenants/123/entitlements/sso"):
        assert_error(client.get(path, headers=demo.service), 404, "not_found")


def test_a_tenant_key_cannot_read_another_tenant(client: TestClient, demo: Demo) -> None:
    for tenant in (demo.globex, demo.acme):  # not even its own, through the service route
        r = client.get(f"/v1/tenants/{tenant}/entitlements", headers=demo.tenant)
        assert_error(r, 403, "forbidden")
        r = client.get(f"/v1/tenants/{tenant}/entitlements/sso", headers=demo.tenant)
        assert_error(r, 403, "forbidden")
