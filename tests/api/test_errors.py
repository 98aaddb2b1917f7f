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


def test_options_lists_every_method_of_a_path(client: TestClient, demo: Demo) -> None:
    for path, methods in [
        (f"/v1/admin/tenants/{demo.acme}/addons/extra_emails", {"POST", "DELETE", "OPTIONS"}),
        (f"/v1/admin/tenants/{demo.acme}/overrides/api_calls", {"PUT", "DELETE", "OPTIONS"}),
        ("/v1/check", {"POST", "OPTIONS"}),
    ]:
        r = client.options(path)
        assert r.status_code == 204, r.text
        assert {m.strip() for m in r.headers["allow"].split(",")} == methods


def test_openapi_documents_statuses_and_strict_bodies(client: TestClient) -> None:
    schema = client.get("/schema/openapi.json").json()
    consume = schema["paths"]["/v1/consume"]["post"]
    assert set(consume["responses"]) >= {"200", "400", "401", "403", "404", "409", "413", "415",
                                         "422", "503"}  # fmt: skip
    error = consume["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert error.endswith("/ErrorBody")
    body = schema["components"]["schemas"]["ConsumeBody"]
    assert body["additionalProperties"] is False
    assert body["properties"]["idempotency_key"]["maxLength"] == 255
    track = schema["components"]["schemas"]["ObjectBody"]["properties"]["category"]
    assert track["enum"] == ["upload", "attachment", "export", "profile_image", "backup"]
    assert "400" not in schema["paths"]["/healthz"]["get"]["responses"]
