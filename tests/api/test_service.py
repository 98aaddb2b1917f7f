"""Service routes: check, consume, usage, tenants, entitlements, catalog, storage
(api/routes/service.py)."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo


def test_check_and_consume(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "ai_decisions", "amount": 100}
    assert client.post("/v1/check", json=body, headers=demo.service).json() == {"allowed": True}
    r = client.post("/v1/consume", json=body, headers=demo.service)
    assert r.status_code == 200
    assert r.json() == {
        "allowed": True,
        "duplicate": False,
        "used": 100,
        "limit": 100,
        "remaining": 0,
        "state": "blocked",
    }
    assert client.post("/v1/check", json=body, headers=demo.service).json() == {"allowed": False}
    denied = client.post("/v1/consume", json={**body, "amount": 1}, headers=demo.service)
    assert (denied.status_code, denied.json()["allowed"]) == (200, False)


def test_idempotency_key_header_or_body(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls", "amount": 3}
    h = {**demo.service, "Idempotency-Key": "req-1"}
    first = client.post("/v1/consume", json=body, headers=h).json()
    again = client.post(
        "/v1/consume", json={**body, "idempotency_key": "req-1"}, headers=demo.service
    ).json()
    assert (first["duplicate"], again["duplicate"], again["used"]) == (False, True, 3)
    clash = client.post("/v1/consume", json={**body, "idempotency_key": "other"}, headers=h)
    assert (clash.status_code, clash.json()["code"]) == (422, "invalid_request")
    reused = client.post("/v1/consume", json={**body, "amount": 4}, headers=h)
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency_key_reused")
    ent = client.get(f"/v1/tenants/{demo.acme}/entitlements/api_calls", headers=demo.service)
    assert ent.json()["used"] == 3


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"tenant_id": "00000000-0000-0000-0000-000000000000", "feature": "api_calls"},
            404,
            "tenant_not_found",
        ),
        ({"tenant_id": "ACME", "feature": "nope"}, 404, "feature_not_found"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": -1}, 422, "invalid_amount"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": 0}, 422, "invalid_amount"),
        ({"tenant_id": "ACME", "feature": "sso"}, 422, "feature_kind_mismatch"),
        ({"tenant_id": "ACME", "feature": 5}, 422, "invalid_request"),
        ({"tenant_id": "not-a-uuid", "feature": "api_calls"}, 422, "invalid_request"),
        ({"feature": "api_calls"}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "extra": 1}, 422, "invalid_request"),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "amount": 10**20},
            422,
            "numeric_out_of_range",
        ),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "idempotency_key": "k" * 300},
            422,
            "invalid_argument",
        ),
    ],
)
def test_consume_bad_input(
    client: TestClient, demo: Demo, body: dict, status: int, code: str
) -> None:
    if body.get("tenant_id") == "ACME":
        body = {**body, "tenant_id": str(demo.acme)}
    r = client.post("/v1/consume", json=body, headers=demo.service)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    used = client.get(f"/v1/tenants/{demo.acme}/entitlements/api_calls", headers=demo.service)
    assert used.json()["used"] == 0


def test_malformed_and_oversized_bodies(client: TestClient, demo: Demo) -> None:
    h = {**demo.service, "Content-Type": "application/json"}
    r = client.post("/v1/consume", content=b"{not json", headers=h)
    assert (r.status_code, r.json()["code"]) == (400, "malformed_json")
    r = client.post("/v1/usage", content=b"[" + b"1," * 600_000 + b"1]", headers=h)
    assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
    r = client.post("/v1/check", content=b"[]", headers=h)
    assert r.status_code in (400, 422) and "code" in r.json()


def test_auth(client: TestClient, demo: Demo, db) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls"}
    assert client.post("/v1/check", json=body).json()["code"] == "unauthorized"
    r = client.post("/v1/check", json=body, headers={"Authorization": "Bearer rc_x_y"})
    assert (r.status_code, r.json()["code"]) == (401, "unauthorized")
    r = client.post("/v1/check", json=body, headers=demo.tenant)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    assert client.post("/v1/check", json=body, headers=demo.admin).status_code == 200
    key_id = demo.service["Authorization"].split("_")[1]
    db.execute("select api.revoke_api_key(%s)", (key_id,))
    from api.auth import clear_cache

    clear_cache()  # revocation takes effect when the cached verification expires
    assert client.post("/v1/check", json=body, headers=demo.service).status_code == 401


def test_usage_batch(client: TestClient, demo: Demo) -> None:
    events = [
        {
            "tenant_id": str(demo.globex),
            "feature": "ai_tokens",
            "amount": 1000,
            "idempotency_key": f"e{n % 3}",
        }
        for n in range(5)
    ]
    r = client.post("/v1/usage", json={"events": events}, headers=demo.service)
    assert r.json() == {"accepted": 3, "duplicates": 2}
    bad = client.post(
        "/v1/usage", json={"events": [{"tenant_id": str(demo.globex)}]}, headers=demo.service
    )
    assert (bad.status_code, bad.json()["code"], bad.json()["detail"]) == (
        422,
        "invalid_argument",
        "index 0",
    )


def test_tenants_and_entitlements(client: TestClient, demo: Demo) -> None:
    r = client.post("/v1/tenants", json={"name": "New Co", "plan": "pro"}, headers=demo.service)
    assert r.status_code == 201
    tid = r.json()["tenant_id"]
    ents = client.get(f"/v1/tenants/{tid}/entitlements", headers=demo.service).json()
    by = {e["feature"]: e for e in ents["entitlements"]}
    assert by["ai_decisions"]["limit"] == 10000 and by["sso"]["enabled"] is False
    r = client.post("/v1/tenants", json={"name": "X", "plan": "gold"}, headers=demo.service)
    assert (r.status_code, r.json()["code"]) == (404, "plan_not_found")
    r = client.post("/v1/tenants", json={"name": ""}, headers=demo.service)
    assert (r.status_code, r.json()["code"]) == (422, "invalid_argument")
    r = client.get("/v1/tenants/not-a-uuid/entitlements", headers=demo.service)
    assert r.status_code in (404, 422) and "code" in r.json()


def test_tenant_key_reads_only_its_own(client: TestClient, demo: Demo) -> None:
    r = client.get("/v1/me/entitlements", headers=demo.tenant)
    assert r.status_code == 200
    rows = r.json()["entitlements"]
    assert rows and r.json()["tenant_id"] == str(demo.acme)
    assert {e["feature"] for e in rows} >= {"ai_decisions", "sso"}
    r = client.get(f"/v1/tenants/{demo.globex}/entitlements", headers=demo.tenant)
    assert r.status_code == 403
    assert client.get("/v1/me/entitlements", headers=demo.service).status_code == 403


def test_catalog_reads(client: TestClient, demo: Demo) -> None:
    plans = client.get("/v1/plans", headers=demo.tenant).json()
    pro = next(p for p in plans if p["code"] == "pro")
    assert pro["price_cents"] == 4900 and pro["per_seat"] is True
    assert any(lim["feature"] == "ai_tokens" and lim["overage"] == "bill" for lim in pro["limits"])
    features = client.get("/v1/features", headers=demo.service).json()
    assert {"storage_bytes", "api_calls_hourly"} <= {f["code"] for f in features}
    addons = client.get("/v1/addons", headers=demo.service).json()
    assert {a["code"]: a["grants"] for a in addons}["extra_emails"] == {"email_addresses": 5}


def test_storage_routes(client: TestClient, demo: Demo) -> None:
    base = f"/v1/tenants/{demo.acme}/storage"
    r = client.post(
        f"{base}/objects",
        json={"object_key": "docs/a.pdf", "size_bytes": 4_000_000, "category": "upload"},
        headers=demo.service,
    )
    assert r.json()["allowed"] is True
    r = client.post(
        f"{base}/objects",
        json={"object_key": "docs/b.pdf", "size_bytes": 2_000_000},
        headers=demo.service,
    )
    assert r.json()["allowed"] is False  # past 5 MB + 5%
    r = client.post(
        f"{base}/objects",
        json={"object_key": "x", "size_bytes": 1, "category": "video"},
        headers=demo.service,
    )
    assert (r.status_code, r.json()["code"]) == (422, "invalid_argument")
    usage = {
        c["category"]: c["bytes"]
        for c in client.get(base, headers=demo.service).json()["categories"]
    }
    assert usage["upload"] == 4_000_000
    r = client.delete(f"{base}/objects/docs/a.pdf", headers=demo.service)
    assert r.json() == {"released_bytes": 4_000_000}
