"""GET /healthz, GET /readyz, the OpenAPI schema and the JSON error format."""

from __future__ import annotations

import psycopg
from litestar.testing import TestClient

from api.app import create_app
from ratecard.config import Settings


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_when_migrated(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"


def test_readyz_503_when_schema_behind(client: TestClient, db: psycopg.Connection) -> None:
    db.execute("delete from ratecard_meta._yoyo_migration")
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["code"] == "not_ready"
    assert body["detail"]["found"] is None


def test_readyz_503_when_database_unreachable(tmp_path) -> None:
    settings = Settings(database_url=f"host={tmp_path} port=1 dbname=nowhere user=nobody")
    with TestClient(app=create_app(settings), raise_server_exceptions=False) as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["code"] == "not_ready"


def test_openapi_schema_served(client: TestClient) -> None:
    r = client.get("/schema/openapi.json")
    assert r.status_code == 200
    assert "/readyz" in r.json()["paths"]


def test_unknown_route_is_json_404(client: TestClient) -> None:
    r = client.get("/no/such/route")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
