"""POST /v1/tenants (api.create_tenant)."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error


def test_create_on_the_default_plan(client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    r = client.post(
        "/v1/tenants", json={"name": "New Co", "email": "ops@new.example"}, headers=demo.service
    )
    assert r.status_code == 201
    tid = UUID(r.json()["tenant_id"])
    assert db.execute(
        "select name, email from core.tenants where tenant_id = %s", (tid,)
    ).fetchone() == (
        "New Co",
        "ops@new.example",
    )
    ent = client.get(f"/v1/tenants/{tid}/entitlements/ai_decisions", headers=demo.service).json()
    assert ent["limit"] == 100  # Starter, the default


def test_create_on_a_plan(client: TestClient, demo: Demo) -> None:
    r = client.post("/v1/tenants", json={"name": "Pro Co", "plan": "pro"}, headers=demo.admin)
    assert r.status_code == 201
    tid = r.json()["tenant_id"]
    ent = client.get(f"/v1/tenants/{tid}/entitlements/ai_decisions", headers=demo.service).json()
    assert ent["limit"] == 10000


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "X", "plan": "gold"}, 404, "tier_not_found"),
        ({"name": ""}, 422, "invalid_name"),
        ({"name": "   "}, 422, "invalid_name"),
        ({"name": "X", "email": "not-an-address"}, 422, "invalid_argument"),
        ({"name": "x" * 201}, 422, "invalid_name"),
        ({}, 422, "invalid_request"),
        ({"name": 5}, 422, "invalid_request"),
        ({"name": "X", "seats": 2}, 422, "invalid_request"),
    ],
)
def test_create_bad_input(
    client: TestClient,
    demo: Demo,
    db: psycopg.Connection,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    before = db.execute("select count(*) from core.tenants").fetchone()
    assert_error(client.post("/v1/tenants", json=body, headers=demo.service), status, code)
    assert db.execute("select count(*) from core.tenants").fetchone() == before
