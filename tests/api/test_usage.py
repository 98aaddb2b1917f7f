"""POST /v1/usage (api.record_usage_batch): many already-happened events, each once."""

from __future__ import annotations

from uuid import UUID

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, ledger, meter


def event(tenant: UUID, key: str, amount: int = 1000, **extra: object) -> dict[str, object]:
    return {
        "tenant_id": str(tenant),
        "feature": "ai_tokens",
        "amount": amount,
        "idempotency_key": key,
        **extra,
    }


def test_batch_counts_each_key_once(client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    events = [event(demo.globex, f"e{n % 3}") for n in range(5)]
    r = client.post("/v1/usage", json={"events": events}, headers=demo.service)
    assert (r.status_code, r.json()) == (200, {"accepted": 3, "duplicates": 2})
    again = client.post("/v1/usage", json={"events": events[:2]}, headers=demo.admin)
    assert again.json() == {"accepted": 0, "duplicates": 2}
    assert meter(db, demo.globex, "ai_tokens") == 3000
    assert ledger(db, demo.globex, "ai_tokens") == (3, 3000)


def test_occurred_at_and_properties_reach_the_ledger(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    e = event(
        demo.globex,
        "with-extras",
        occurred_at="2026-11-21T10:00:00+02:00",
        properties={"model": "small", "n": 2},
    )
    assert client.post("/v1/usage", json={"events": [e]}, headers=demo.service).json() == {
        "accepted": 1,
        "duplicates": 0,
    }
    row = db.execute(
        "select occurred_at = '2026-11-21T08:00:00Z', properties from core.usage_events"
        " where idempotency_key = 'with-extras'"
    ).fetchone()
    assert row == (True, {"model": "small", "n": 2})


def test_empty_batch(client: TestClient, demo: Demo) -> None:
    r = client.post("/v1/usage", json={"events": []}, headers=demo.service)
    assert r.json() == {"accepted": 0, "duplicates": 0}


def test_ten_thousand_events_fit_one_request(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    events = [event(demo.globex, f"evt-{n:06d}", amount=1) for n in range(10_000)]
    r = client.post("/v1/usage", json={"events": events}, headers=demo.service)
    assert r.json() == {"accepted": 10_000, "duplicates": 0}
    assert meter(db, demo.globex, "ai_tokens") == 10_000
    r = client.post("/v1/usage", json={"events": [*events, events[0]]}, headers=demo.service)
    err = assert_error(r, 422, "invalid_request")
    assert "10000" in err["message"]
    assert meter(db, demo.globex, "ai_tokens") == 10_000


def test_body_over_8_mib_is_413(client: TestClient, demo: Demo) -> None:
    h = {**demo.service, "Content-Type": "application/json"}
    raw = b'{"events": [' + b",".join([b'{"pad": "' + b"x" * 1000 + b'"}'] * 8400) + b"]}"
    assert len(raw) > 8 * 1_048_576
    assert_error(client.post("/v1/usage", content=raw, headers=h), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [
        ({"amount": 0}, 422, "invalid_amount"),
        ({"amount": -5}, 422, "invalid_amount"),
        ({"tenant_id": "00000000-0000-0000-0000-000000000000"}, 404, "tenant_not_found"),
        ({"feature": "nope"}, 404, "feature_not_found"),
        ({"feature": "members"}, 422, "feature_kind_mismatch"),
        ({"idempotency_key": ""}, 422, "invalid_idempotency_key"),
        ({"amount": "5"}, 422, "invalid_request"),
        ({"idempotency_key": None}, 422, "invalid_request"),
        ({"occurred_at": "2026-11-21T10:00:00"}, 422, "invalid_request"),  # no time zone
        ({"occurred_at": "yesterday"}, 422, "invalid_request"),
        ({"properties": [1, 2]}, 422, "invalid_request"),
        ({"colour": "blue"}, 422, "invalid_request"),
    ],
)
def test_one_bad_event_rejects_the_batch(
    client: TestClient,
    demo: Demo,
    db: psycopg.Connection,
    bad: dict[str, object],
    status: int,
    code: str,
) -> None:
    events = [event(demo.globex, "good-1"), {**event(demo.globex, "bad"), **bad}]
    err = assert_error(
        client.post("/v1/usage", json={"events": events}, headers=demo.service), status, code
    )
    if code == "invalid_request":
        assert err["detail"][0]["key"].startswith("events[1]")
    else:
        assert err["detail"] == "index 1"  # from the SQL: the failing event's index
    assert meter(db, demo.globex, "ai_tokens") == 0
    assert db.execute("select count(*) from core.idempotency_keys").fetchone() == (0,)


def test_events_must_be_a_list(client: TestClient, demo: Demo) -> None:
    for body in ({"events": {}}, {}, {"events": [1]}):
        assert_error(
            client.post("/v1/usage", json=body, headers=demo.service), 422, "invalid_request"
        )
