"""GET /v1/me/entitlements: a tenant key reads its own entitlements (view api.entitlements
as ratecard_tenant), and row-level security keeps every other tenant out."""

from __future__ import annotations

import psycopg
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, bearer, new_key


def test_my_entitlements_are_mine_only(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    for tenant, amount in ((demo.acme, 7), (demo.globex, 900)):
        client.post(
            "/v1/consume",
            json={"tenant_id": str(tenant), "feature": "ai_decisions", "amount": amount},
            headers=demo.service,
        )
    r = client.get("/v1/me/entitlements", headers=demo.tenant)
    assert r.status_code == 200
    body = r.json()
    assert body["tenant_id"] == str(demo.acme)
    rows = body["entitlements"]
    features = db.execute("select count(*) from core.features").fetchone()
    assert (len(rows),) == features  # one row per feature: Globex's are not there
    ai = next(e for e in rows if e["feature"] == "ai_decisions")
    assert (ai["used"], ai["limit"], ai["plan"], ai["percent_used"]) == (7, 100, "starter", 7.0)

    globex = client.get("/v1/me/entitlements", headers=bearer(new_key(db, "tenant", demo.globex)))
    g = next(e for e in globex.json()["entitlements"] if e["feature"] == "ai_decisions")
    assert (g["used"], g["plan"]) == (900, "pro")


def test_tenant_key_of_a_revoked_key_is_401(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    key = new_key(db, "tenant", demo.globex)
    db.execute("select api.revoke_api_key(%s)", (key.split("_")[1],))
    assert_error(client.get("/v1/me/entitlements", headers=bearer(key)), 401, "unauthorized")


def test_service_and_admin_keys_have_no_me(client: TestClient, demo: Demo) -> None:
    for h in (demo.service, demo.admin):
        assert_error(client.get("/v1/me/entitlements", headers=h), 403, "forbidden")
