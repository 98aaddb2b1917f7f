"""POST /v1/usage/stream (ratecard/ingest.py, api.merge_usage_stream): NDJSON events,
COPY into staging, one merge; all or none."""

from __future__ import annotations

import json
from uuid import UUID

import psycopg
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, ledger, meter

NDJSON = {"Content-Type": "application/x-ndjson"}


def line(tenant: UUID, key: str, amount: int = 1000, **extra: object) -> str:
    event = {"tenant_id": str(tenant), "feature": "ai_tokens", "amount": amount}
    return json.dumps({**event, "idempotency_key": key, **extra})


def post(client: TestClient, demo: Demo, lines: list[str]) -> object:
    body = "\n".join(lines).encode() + b"\n"
    return client.post("/v1/usage/stream", content=body, headers={**demo.service, **NDJSON})


def test_a_stream_counts_each_key_once(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    lines = [line(demo.globex, f"s{n}", occurred_at="2026-11-21T10:00:00Z") for n in range(300)]
    lines += ["", line(demo.globex, "s1", occurred_at="2026-11-21T10:00:00Z")]  # blank, retry
    r = post(client, demo, lines)
    assert (r.status_code, r.json()) == (200, {"lines": 301, "accepted": 300, "duplicates": 1})
    assert post(client, demo, lines[:10]).json() == {"lines": 10, "accepted": 0, "duplicates": 10}
    assert ledger(db, demo.globex, "ai_tokens") == (300, 300_000)
    assert meter(db, demo.globex, "ai_tokens") >= 0  # the period of 2026-11-21 holds it


def test_a_line_that_is_not_an_event_is_refused_with_its_number(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    good = line(demo.globex, "ok")
    for bad, status, code in (
        ("{not json", 400, "malformed_json"),
        (
            json.dumps({"tenant_id": str(demo.globex), "feature": "ai_tokens"}),
            422,
            "invalid_request",
        ),
        (line(demo.globex, "x", amount="5"), 422, "invalid_request"),  # type: ignore[arg-type]
        (line(demo.globex, "x", properties={"a": "\u0000"}), 422, "invalid_argument"),
    ):
        err = assert_error(post(client, demo, [good, "", bad]), status, code)
        assert err["detail"][0]["key"] == "line 3"
    assert ledger(db, demo.globex, "ai_tokens") == (0, 0)


def test_an_event_sql_refuses_rejects_the_whole_stream(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    lines = [line(demo.globex, "a"), line(demo.globex, "b", amount=0)]
    err = assert_error(post(client, demo, lines), 422, "invalid_amount")
    assert err["detail"] == "line 2"
    lines = [line(demo.globex, "a"), line(UUID(int=1), "b")]
    assert assert_error(post(client, demo, lines), 404, "tenant_not_found")["detail"] == "line 2"
    assert ledger(db, demo.globex, "ai_tokens") == (0, 0)


def test_media_type_and_keys(client: TestClient, demo: Demo) -> None:
    body = line(demo.globex, "a").encode()
    r = client.post("/v1/usage/stream", content=body, headers={**demo.service,
                    "Content-Type": "application/json"})  # fmt: skip
    assert_error(r, 415, "unsupported_media_type")
    r = client.post("/v1/usage/stream", content=body, headers=NDJSON)
    assert_error(r, 401, "unauthorized")
    r = client.post("/v1/usage/stream", content=b"", headers={**demo.service, **NDJSON})
    assert r.json() == {"lines": 0, "accepted": 0, "duplicates": 0}
