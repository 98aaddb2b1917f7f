"""POST /v1/consume (api.consume): atomic check-and-record, denials, idempotency keys from
the body or the Idempotency-Key header."""

from __future__ import annotations

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, ledger, meter

ZERO = "00000000-0000-0000-0000-000000000000"


def test_consume_until_the_limit(client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    db.execute("select internal.set_clock('2026-11-21T10:00:00Z')")
    body = {"tenant_id": str(demo.acme), "feature": "ai_decisions", "amount": 80}
    r = client.post("/v1/consume", json=body, headers=demo.service)
    assert r.status_code == 200
    assert r.json() == {
        "allowed": True,
        "duplicate": False,
        "used": 80,
        "limit": 100,
        "remaining": 20,
        "state": "warning",
        "resets_at": "2026-12-01T00:00:00Z",
    }
    r = client.post("/v1/consume", json={**body, "amount": 25}, headers=demo.service)
    assert r.status_code == 200  # a denial is an answer, not an error
    assert r.json() == {
        "allowed": False,
        "duplicate": False,
        "used": 80,
        "limit": 100,
        "remaining": 20,
        "state": "warning",
        "resets_at": "2026-12-01T00:00:00Z",
    }
    r = client.post("/v1/consume", json={**body, "amount": 20}, headers=demo.service)
    assert r.json()["allowed"] and r.json()["remaining"] == 0
    assert meter(db, demo.acme, "ai_decisions") == 100
    assert ledger(db, demo.acme, "ai_decisions") == (2, 100)  # the denial recorded nothing


def test_amount_defaults_to_one(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls"}
    assert client.post("/v1/consume", json=body, headers=demo.service).json()["used"] == 1
    assert client.post("/v1/consume", json=body, headers=demo.service).json()["used"] == 2


def test_idempotency_key_header_replay_counts_once(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls", "amount": 3}
    h = {**demo.service, "Idempotency-Key": "req-1"}
    first = client.post("/v1/consume", json=body, headers=h).json()
    second = client.post("/v1/consume", json=body, headers=h).json()
    assert first == {**second, "duplicate": False}
    assert (first["duplicate"], second["duplicate"], second["used"]) == (False, True, 3)
    # the same key in the body is the same request
    third = client.post(
        "/v1/consume", json={**body, "idempotency_key": "req-1"}, headers=demo.service
    ).json()
    assert (third["duplicate"], third["used"]) == (True, 3)
    # both given and equal is fine
    both = client.post("/v1/consume", json={**body, "idempotency_key": "req-1"}, headers=h)
    assert both.json()["duplicate"] is True
    assert meter(db, demo.acme, "api_calls") == 3
    assert ledger(db, demo.acme, "api_calls") == (1, 3)
    # a new key is a new request
    other = client.post("/v1/consume", json=body, headers={**h, "Idempotency-Key": "req-2"})
    assert (other.json()["duplicate"], other.json()["used"]) == (False, 6)


def test_replay_of_a_denial_is_a_denial(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "ai_decisions", "amount": 101}
    h = {**demo.service, "Idempotency-Key": "too-much"}
    assert client.post("/v1/consume", json=body, headers=h).json()["allowed"] is False
    again = client.post("/v1/consume", json=body, headers=h).json()
    assert (again["allowed"], again["duplicate"], again["used"]) == (False, True, 0)


def test_header_and_body_keys_that_differ_are_422(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls", "idempotency_key": "a"}
    r = client.post("/v1/consume", json=body, headers={**demo.service, "Idempotency-Key": "b"})
    assert_error(r, 422, "invalid_request")
    assert meter(db, demo.acme, "api_calls") == 0


def test_key_reused_for_another_request_is_409(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls", "amount": 3}
    h = {**demo.service, "Idempotency-Key": "req-1"}
    client.post("/v1/consume", json=body, headers=h)
    err = assert_error(
        client.post("/v1/consume", json={**body, "amount": 4}, headers=h),
        409,
        "idempotency_key_reused",
    )
    assert err["hint"] and err["detail"]
    assert meter(db, demo.acme, "api_calls") == 3


def test_gauges_release_with_a_negative_amount(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "members", "amount": 3}  # Starter: 3
    assert client.post("/v1/consume", json=body, headers=demo.service).json()["used"] == 3
    assert not client.post("/v1/consume", json={**body, "amount": 1}, headers=demo.service).json()[
        "allowed"
    ]
    r = client.post("/v1/consume", json={**body, "amount": -1}, headers=demo.service).json()
    assert (r["allowed"], r["used"]) == (True, 2)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"tenant_id": ZERO, "feature": "api_calls"}, 404, "tenant_not_found"),
        ({"tenant_id": "ACME", "feature": "nope"}, 404, "feature_not_found"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": -1}, 422, "invalid_amount"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": 0}, 422, "invalid_amount"),
        ({"tenant_id": "ACME", "feature": "sso"}, 422, "feature_kind_mismatch"),
        ({"tenant_id": "ACME", "feature": 5}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": "3"}, 422, "invalid_request"),
        ({"tenant_id": "not-a-uuid", "feature": "api_calls"}, 422, "invalid_request"),
        ({"feature": "api_calls"}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "extra": 1}, 422, "invalid_request"),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "idempotency_key": 7},
            422,
            "invalid_request",
        ),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "amount": 10**20},
            422,
            "numeric_out_of_range",
        ),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "amount": 2**63},
            422,
            "numeric_out_of_range",
        ),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "idempotency_key": "k" * 300},
            422,
            "invalid_idempotency_key",
        ),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "idempotency_key": ""},
            422,
            "invalid_idempotency_key",
        ),
    ],
)
def test_consume_bad_input_changes_nothing(
    client: TestClient,
    demo: Demo,
    db: psycopg.Connection,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    if body.get("tenant_id") == "ACME":
        body = {**body, "tenant_id": str(demo.acme)}
    assert_error(client.post("/v1/consume", json=body, headers=demo.service), status, code)
    assert meter(db, demo.acme, "api_calls") == 0
    assert db.execute("select count(*) from core.usage_events").fetchone() == (0,)


def test_malformed_json(client: TestClient, demo: Demo) -> None:
    h = {**demo.service, "Content-Type": "application/json"}
    assert_error(client.post("/v1/consume", content=b"{not json", headers=h), 400, "malformed_json")


def test_hourly_rate_limit_answers_when_its_window_resets(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    db.execute("select internal.set_clock('2026-11-21T10:42:00Z')")
    body = {"tenant_id": str(demo.acme), "feature": "api_calls_hourly", "amount": 100}
    r = client.post("/v1/consume", json=body, headers=demo.service).json()
    assert (r["allowed"], r["remaining"], r["resets_at"]) == (True, 0, "2026-11-21T11:00:00Z")
    r = client.post("/v1/consume", json={**body, "amount": 1}, headers=demo.service).json()
    assert (r["allowed"], r["resets_at"]) == (False, "2026-11-21T11:00:00Z")
    # a gauge never resets
    body = {"tenant_id": str(demo.acme), "feature": "members"}
    assert client.post("/v1/consume", json=body, headers=demo.service).json()["resets_at"] is None
