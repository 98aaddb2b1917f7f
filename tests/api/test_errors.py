"""The JSON error format for what the HTTP layer itself rejects (api/errors.py). The
SQLSTATE map is tested with its registry (tests/ratecard/test_error_codes.py)."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error


def test_unknown_route_and_method(client: TestClient, demo: Demo) -> None:
    assert_error(client.get("/v1/nothing", headers=demo.service), 404, "not_found")
    assert_error(client.get("/v1/check", headers=demo.service), 405, "method_not_allowed")
    assert_error(client.delete("/v1/tenants", headers=demo.service), 405, "method_not_allowed")


def test_bad_header_value_is_422(client: TestClient, demo: Demo) -> None:
    """An Idempotency-Key that the SQL refuses is its 422, never a 500."""
    body = {"tenant_id": str(demo.acme), "feature": "api_calls"}
    h = {**demo.service, "Idempotency-Key": "k" * 300}
    assert_error(client.post("/v1/consume", json=body, headers=h), 422, "invalid_idempotency_key")


def test_openapi_documents_bodies_and_bearer_auth(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    check = schema["paths"]["/v1/check"]["post"]
    ref = check["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(body["required"]) == {"tenant_id", "feature"}
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert check["security"] == [{"apiKey": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]
