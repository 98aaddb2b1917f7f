"""POST /v1/check (api.check_quota): a yes/no that changes nothing; request validation."""

from __future__ import annotations

import asyncio

import httpx
import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from ratecard.config import Settings
from ratecard.stripe_gateway import StripeSettings
from tests.api.conftest import Demo, assert_error, meter

ZERO = "00000000-0000-0000-0000-000000000000"


def test_check_answers_from_the_limit(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    h = demo.service
    body = {"tenant_id": str(demo.acme), "feature": "ai_decisions"}  # Starter: 100 a month
    assert client.post("/v1/check", json=body, headers=h).json() == {"allowed": True}
    assert client.post("/v1/check", json={**body, "amount": 100}, headers=h).json() == {
        "allowed": True
    }
    assert client.post("/v1/check", json={**body, "amount": 101}, headers=h).json() == {
        "allowed": False
    }
    assert meter(db, demo.acme, "ai_decisions") == 0  # a check records nothing
    client.post("/v1/consume", json={**body, "amount": 95}, headers=h)
    r = client.post("/v1/check", json={**body, "amount": 6}, headers=h)
    assert (r.status_code, r.json()) == (200, {"allowed": False})
    assert client.post("/v1/check", json={**body, "amount": 5}, headers=h).json()["allowed"]


def test_check_a_switch(client: TestClient, demo: Demo) -> None:
    r = client.post(
        "/v1/check", json={"tenant_id": str(demo.acme), "feature": "sso"}, headers=demo.service
    )
    assert r.json() == {"allowed": False}  # not on Starter
    r = client.post(
        "/v1/check", json={"tenant_id": str(demo.acme), "feature": "sso"}, headers=demo.admin
    )
    assert r.json() == {"allowed": False}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"tenant_id": ZERO, "feature": "api_calls"}, 404, "tenant_not_found"),
        ({"tenant_id": "ACME", "feature": "no_such_feature"}, 404, "feature_not_found"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": -1}, 422, "invalid_amount"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": "5"}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": 1.5}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": True}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amount": None}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": 7}, 422, "invalid_request"),
        ({"tenant_id": "ACME"}, 422, "invalid_request"),
        ({"tenant_id": "not-a-uuid", "feature": "api_calls"}, 422, "invalid_request"),
        ({"tenant_id": "ACME", "feature": "api_calls", "amuont": 2}, 422, "invalid_request"),
        (
            {"tenant_id": "ACME", "feature": "api_calls", "amount": 2**63},
            422,
            "numeric_out_of_range",
        ),
    ],
    ids=[
        "unknown-tenant",
        "unknown-feature",
        "negative",
        "string-amount",
        "float-amount",
        "bool-amount",
        "null-amount",
        "number-feature",
        "missing-feature",
        "bad-uuid",
        "unknown-field",
        "bigint-overflow",
    ],
)
def test_check_bad_input(
    client: TestClient, demo: Demo, body: dict[str, object], status: int, code: str
) -> None:
    if body.get("tenant_id") == "ACME":
        body = {**body, "tenant_id": str(demo.acme)}
    assert_error(client.post("/v1/check", json=body, headers=demo.service), status, code)


def test_field_errors_name_the_field(client: TestClient, demo: Demo) -> None:
    body = {"tenant_id": str(demo.acme), "feature": "api_calls", "amount": "5"}
    err = assert_error(
        client.post("/v1/check", json=body, headers=demo.service), 422, "invalid_request"
    )
    assert err["detail"] == [
        {"message": "Expected `int`, got `str`", "source": "body", "key": "amount"}
    ]


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"tenant_id": ', 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b"[]", 422, "invalid_request"),
        (b'"hello"', 422, "invalid_request"),
        (b"null", 422, "invalid_request"),
    ],
    ids=["garbage", "truncated", "empty", "array", "string", "null"],
)
def test_malformed_bodies(
    client: TestClient, demo: Demo, raw: bytes, status: int, code: str
) -> None:
    h = {**demo.service, "Content-Type": "application/json"}
    assert_error(client.post("/v1/check", content=raw, headers=h), status, code)


def test_body_over_one_mib_is_413(client: TestClient, demo: Demo) -> None:
    body = b'{"tenant_id": "%s", "feature": "%s"}' % (str(demo.acme).encode(), b"x" * 1_048_576)
    h = {**demo.service, "Content-Type": "application/json"}
    assert_error(client.post("/v1/check", content=body, headers=h), 413, "payload_too_large")
    # just under the limit is read (and answered by the SQL: no such feature)
    body = b'{"tenant_id": "%s", "feature": "%s"}' % (str(demo.acme).encode(), b"x" * 1_000_000)
    assert_error(client.post("/v1/check", content=body, headers=h), 404, "feature_not_found")


def test_checks_arriving_together_share_statements_and_keep_their_own_answers(
    settings: Settings, stripe_settings: StripeSettings, demo: Demo, db: psycopg.Connection
) -> None:
    """Concurrent checks go to PostgreSQL together (api/checks.py), each answered exactly
    as on its own; a bad check among them gets its own error and spoils no other."""
    db.execute("select api.consume(%s, 'ai_decisions', 60)", (demo.acme,))  # Acme: 40 of 100 left
    bodies: list[dict[str, object]] = []
    for i in range(48):
        tenant = demo.acme if i % 2 else demo.globex
        bodies.append({"tenant_id": str(tenant), "feature": "ai_decisions", "amount": i * 3})
    bodies[10] = {"tenant_id": str(demo.acme), "feature": "nope"}
    bodies[20] = {"tenant_id": ZERO, "feature": "ai_decisions"}
    bodies[30] = {"tenant_id": str(demo.acme), "feature": "sso"}

    def alone(b: dict[str, object]) -> bool:
        row = db.execute(
            "select api.check_quota(%s::uuid, %s, %s)",
            (b["tenant_id"], b["feature"], b.get("amount", 1)),
        ).fetchone()
        return bool(row[0])

    expected = {i: alone(b) for i, b in enumerate(bodies) if i not in (10, 20)}
    assert set(expected.values()) == {True, False}

    async def main() -> tuple[list[httpx.Response], float, float]:
        app = create_app(settings, stripe_settings=stripe_settings)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.lifespan(),
            httpx.AsyncClient(transport=transport, base_url="http://t") as c,
        ):
            await app.state.pool.wait()
            await c.get("/v1/features", headers=demo.service)  # the key, verified once
            answers = await asyncio.gather(
                *(c.post("/v1/check", json=b, headers=demo.service) for b in bodies)
            )
        registry = app.metrics.registry
        statements = registry.get_sample_value("ratecard_http_check_batch_size_count")
        alone_ = registry.get_sample_value("ratecard_http_check_batch_size_bucket", {"le": "1.0"})
        return answers, statements or 0, alone_ or 0

    answers, statements, single = asyncio.run(main())
    assert_error(answers[10], 404, "feature_not_found")
    assert_error(answers[20], 404, "tenant_not_found")
    assert {i: r.json()["allowed"] for i, r in enumerate(answers) if i in expected} == expected
    assert all(answers[i].status_code == 200 for i in expected)
    # some statement carried several checks
    assert statements > single
    assert meter(db, demo.acme, "ai_decisions") == 60  # checks count nothing
