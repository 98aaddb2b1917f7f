"""What every route does with bad input before or around its one SQL call
(api/validation.py, ratecard/jsontext.py, api/errors.py): NUL characters, bytes that are
not UTF-8, JSON nested too deep, numbers past their SQL type, media types, duplicate
headers. Each answer is a documented 4xx, and nothing is written."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
import stripe
from litestar.testing import TestClient

from tests.api.conftest import WEBHOOK_SECRET, Demo, assert_error

JSON = {"Content-Type": "application/json"}


def snapshot(db: psycopg.Connection) -> tuple[Any, ...]:
    """Row counts of everything a bad request could have written."""
    row = db.execute(
        "select (select count(*) from core.tenants), (select count(*) from core.features),"
        " (select count(*) from core.meters), (select count(*) from core.usage_events),"
        " (select count(*) from core.idempotency_keys),"
        " (select count(*) from core.storage_objects),"
        " (select count(*) from core.stripe_events), (select count(*) from core.overrides),"
        " (select string_agg(status, ',' order by tenant_id) from core.tenants)"
    ).fetchone()
    assert row is not None
    return tuple(row)


def signed(body: bytes, at: int | None = None) -> dict[str, str]:
    header = stripe.WebhookSignature.generate_signature_header(
        body.decode(), WEBHOOK_SECRET, timestamp=at
    )
    return {"Stripe-Signature": header, **JSON}


# (method, path template, JSON body or None, key the error must name)
NUL_CASES: list[tuple[str, str, Any, str]] = [
    ("post", "/v1/tenants", {"name": "a\u0000b"}, "name"),
    ("post", "/v1/tenants", {"name": "A", "email": "a\u0000@b"}, "email"),
    ("post", "/v1/tenants", {"name": "A", "plan": "pro\u0000"}, "plan"),
    ("post", "/v1/check", {"tenant_id": "{acme}", "feature": "ai\u0000decisions"}, "feature"),
    (
        "post",
        "/v1/consume",
        {"tenant_id": "{acme}", "feature": "api_calls", "idempotency_key": "k\u0000"},
        "idempotency_key",
    ),
    (
        "post",
        "/v1/usage",
        {
            "events": [
                {
                    "tenant_id": "{acme}",
                    "feature": "api_calls",
                    "amount": 1,
                    "idempotency_key": "e1",
                    "properties": {"k\u0000": 1},
                }
            ]
        },
        "events[0].properties.k\\u0000",
    ),
    (
        "post",
        "/v1/usage",
        {
            "events": [
                {
                    "tenant_id": "{acme}",
                    "feature": "api_calls",
                    "amount": 1,
                    "idempotency_key": "e1",
                    "properties": {"k": ["x", "v\u0000"]},
                }
            ]
        },
        "events[0].properties.k[1]",
    ),
    (
        "post",
        "/v1/tenants/{acme}/storage/objects",
        {"object_key": "a\u0000b", "size_bytes": 1},
        "object_key",
    ),
    ("delete", "/v1/tenants/{acme}/storage/objects/a%00b", None, "object_key"),
    ("get", "/v1/tenants/{acme}/entitlements/ai%00decisions", None, "feature"),
    ("put", "/v1/admin/features/x", {"kind": "switch", "name": "n\u0000"}, "name"),
    ("put", "/v1/admin/features/x%00", {"kind": "switch"}, "code"),
    ("put", "/v1/admin/tenants/{acme}/status", {"status": "suspended\u0000"}, "status"),
    ("post", "/v1/admin/stripe-events/evt_1/dismiss", {"reason": "r\u0000"}, "reason"),
    ("get", "/v1/admin/stripe-events?status=x%00", None, "status"),
    ("delete", "/v1/billing/addons/x%00y", None, "addon"),
]


@pytest.mark.parametrize(("method", "path", "body", "key"), NUL_CASES)
def test_nul_anywhere_is_422_naming_the_field(
    client: TestClient,
    demo: Demo,
    db: psycopg.Connection,
    method: str,
    path: str,
    body: Any,
    key: str,
) -> None:
    before = snapshot(db)
    path = path.replace("{acme}", str(demo.acme))
    headers = demo.tenant if "/billing/" in path else demo.admin
    kwargs: dict[str, Any] = {"headers": {**headers, **JSON}}
    if body is not None:
        kwargs["content"] = json.dumps(body).replace("{acme}", str(demo.acme))
    r = client.request(method.upper(), path, **kwargs)
    err = assert_error(r, 422, "invalid_argument")
    assert "NUL" in err["message"]
    assert err["detail"][0]["key"] == key, err
    assert snapshot(db) == before


def test_nul_in_a_signed_webhook_is_422(client: TestClient, demo: Demo, db) -> None:
    body = json.dumps(
        {"id": "evt_nul", "type": "x", "created": 1, "data": {"object": {"id": "a\u0000"}}}
    ).encode()
    before = snapshot(db)
    assert_error(
        client.post("/webhooks/stripe", content=body, headers=signed(body)), 422, "invalid_argument"
    )
    assert snapshot(db) == before


def test_a_number_past_any_float_in_a_signed_webhook_is_400(
    client: TestClient, demo: Demo, db
) -> None:
    """JSON can write a number no double holds (1e400): the untyped webhook bodies refuse it
    as malformed, not with a 500."""
    body = b'{"id": "evt_big", "type": "x", "created": 1, "data": {"object": {"n": 1e400}}}'
    before = snapshot(db)
    assert_error(
        client.post("/webhooks/stripe", content=body, headers=signed(body)), 400, "malformed_json"
    )
    assert snapshot(db) == before


def body_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document that takes a JSON body."""
    schema = client.get("/schema/openapi.json").json()
    out = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if "requestBody" in op:
                out.append((method, path))
    assert len(out) >= 15
    return out


def concrete(path: str, demo: Demo) -> str:
    return (
        path.replace("{tenant_id}", str(demo.acme))
        .replace("{object_key}", "k")
        .replace("{event_id}", "evt_1")
        .replace("{code}", "x")
        .replace("{plan}", "pro")
        .replace("{feature}", "api_calls")
        .replace("{addon}", "extra_emails")
        .replace("{report_id}", "1")
    )


def key_for(path: str, demo: Demo) -> dict[str, str]:
    return demo.tenant if path.startswith("/v1/billing") else demo.admin


def test_bodies_that_are_not_utf8_are_400_on_every_route(
    client: TestClient, demo: Demo, db
) -> None:
    before = snapshot(db)
    for method, path in [*body_routes(client), ("post", "/webhooks/stripe")]:
        raw = b'{"name": "\xff\xfe"}'
        headers = signed(b"{}") if path == "/webhooks/stripe" else {**key_for(path, demo), **JSON}
        if path == "/webhooks/stripe":  # signed over the exact (non-UTF-8) bytes: verified first
            headers["Stripe-Signature"] = "t=1,v1=" + "0" * 64
        r = client.request(method.upper(), concrete(path, demo), content=raw, headers=headers)
        code = "invalid_signature" if path == "/webhooks/stripe" else "malformed_json"
        assert_error(r, 400, code)
    assert snapshot(db) == before


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
def test_json_nested_too_deep_is_400(client: TestClient, demo: Demo, db, depth: int) -> None:
    before = snapshot(db)
    event = (
        f'{{"tenant_id": "{demo.acme}", "feature": "api_calls", "amount": 1,'
        f' "idempotency_key": "d", "properties": {{"p": {nested(depth - 4)}}}}}'
    )
    r = client.post(
        "/v1/usage", content=f'{{"events": [{event}]}}', headers={**demo.service, **JSON}
    )
    assert "64 levels" in assert_error(r, 400, "malformed_json")["message"]
    hook = (
        f'{{"id": "evt_deep", "type": "x", "created": 1,'
        f' "data": {{"object": {nested(depth - 2)}}}}}'
    ).encode()
    r = client.post("/webhooks/stripe", content=hook, headers=signed(hook))
    assert "64 levels" in assert_error(r, 400, "malformed_json")["message"]
    assert snapshot(db) == before


def test_json_at_the_depth_limit_is_accepted(client: TestClient, demo: Demo) -> None:
    event = (
        f'{{"tenant_id": "{demo.acme}", "feature": "api_calls", "amount": 1,'
        f' "idempotency_key": "d", "properties": {{"p": {nested(60)}}}}}'
    )
    r = client.post(
        "/v1/usage", content=f'{{"events": [{event}]}}', headers={**demo.service, **JSON}
    )
    assert r.json() == {"accepted": 1, "duplicates": 0}


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        (
            "/v1/admin/plans/pro/limits/api_calls",
            {"limit": 1, "grace_seconds": 2**63 - 1},
            "datetime_out_of_range",
        ),
        ("/v1/admin/plans/pro/limits/api_calls", {"limit": 2**63}, "numeric_out_of_range"),
        ("/v1/admin/plans/x", {"name": "X", "price_cents": 10**30}, "numeric_out_of_range"),
        (
            "/v1/admin/plans/x",
            {"name": "X", "price_cents": 0, "trial_days": 2**31},
            "numeric_out_of_range",
        ),
        ("/v1/admin/tenants/{acme}/plan", {"plan": "pro", "seats": 2**40}, "numeric_out_of_range"),
        (
            "/v1/admin/tenants/{acme}/overrides/api_calls",
            {"limit": -(2**63) - 1},
            "numeric_out_of_range",
        ),
    ],
)
def test_numbers_past_their_type_are_422(
    client: TestClient, demo: Demo, db, path: str, body: dict, code: str
) -> None:
    before = snapshot(db)
    r = client.put(path.replace("{acme}", str(demo.acme)), json=body, headers=demo.admin)
    assert_error(r, 422, code)
    assert snapshot(db) == before


def test_seats_over_range_on_the_billing_routes(client: TestClient, demo: Demo) -> None:
    for body in ({"seats": "5"}, {"seats": 5.0}, {"seats": True}):
        assert_error(
            client.post("/v1/billing/seats", json=body, headers=demo.tenant), 422, "invalid_request"
        )
    for body in ({"plan": "pro", "seats": "2"}, {"plan": 1}):
        assert_error(
            client.post("/v1/billing/checkout", json=body, headers=demo.tenant),
            422,
            "invalid_request",
        )
    r = client.post(
        "/v1/billing/addons/purchase", json={"addon": "x", "quantity": 1.0}, headers=demo.tenant
    )
    assert_error(r, 422, "invalid_request")
    r = client.post("/v1/billing/change-plan", json={"plan": "pro", "nope": 1}, headers=demo.tenant)
    assert_error(r, 422, "invalid_request")


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data; boundary=x",
    ],
)
def test_bodies_must_be_sent_as_json(
    client: TestClient, demo: Demo, db, content_type: str | None
) -> None:
    before = snapshot(db)
    body = json.dumps({"tenant_id": str(demo.acme), "feature": "api_calls", "amount": 1})
    headers = dict(demo.service)
    if content_type:
        headers["Content-Type"] = content_type
    r = client.post("/v1/consume", content=body, headers=headers)
    assert_error(r, 415, "unsupported_media_type")
    assert snapshot(db) == before
    headers["Content-Type"] = "application/json; charset=utf-8"
    assert client.post("/v1/consume", content=body, headers=headers).json()["allowed"] is True


def test_a_route_with_an_optional_body_takes_none(client: TestClient, demo: Demo) -> None:
    r = client.post(f"/v1/admin/tenants/{demo.acme}/addons/extra_emails", headers=demo.admin)
    assert r.status_code == 200


def test_two_idempotency_keys_or_two_keys_are_400(client: TestClient, demo: Demo, db) -> None:
    """Sent as separate header lines, as a server hands them over (the test client would
    fold them into one), straight to the ASGI app: each is refused before any SQL."""
    before = snapshot(db)
    body = json.dumps({"tenant_id": str(demo.acme), "feature": "api_calls"})
    client.get("/v1/features", headers=demo.service)  # the key is verified (and cached) once
    auth = demo.service["Authorization"]
    cases = [
        [("Authorization", auth), ("Idempotency-Key", "a"), ("Idempotency-Key", "b")],
        [("Authorization", auth), ("Idempotency-Key", "a"), ("Idempotency-Key", "a")],
        [("Authorization", auth), ("Authorization", auth)],
        [("Authorization", auth), ("Authorization", "Bearer rc_x_y")],
    ]

    async def send(headers: list[tuple[str, str]]) -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.post(
                "/v1/consume",
                content=body,
                headers=[*headers, ("Content-Type", "application/json")],
            )

    for headers in cases:
        assert_error(asyncio.run(send(headers)), 400, "duplicate_header")
    assert snapshot(db) == before


@pytest.mark.parametrize("key", ["caf\u00e9", "with space", "\u00a0"])
def test_idempotency_keys_are_printable_ascii(client: TestClient, demo: Demo, db, key: str) -> None:
    before = snapshot(db)
    body = json.dumps({"tenant_id": str(demo.acme), "feature": "api_calls"})
    headers = {**demo.service, **JSON, "Idempotency-Key": key.encode("utf-8")}
    assert_error(
        client.post("/v1/consume", content=body, headers=headers), 422, "invalid_idempotency_key"
    )
    r = client.post(
        "/v1/consume",
        json={"tenant_id": str(demo.acme), "feature": "api_calls", "idempotency_key": key},
        headers=demo.service,
    )
    assert_error(r, 422, "invalid_idempotency_key")
    assert snapshot(db) == before


@pytest.mark.parametrize("name", ["Acme\u202eexe.", "Acme\u200b", "  \u3000 ", "A\u0007"])
def test_names_refuse_control_format_bidi_and_blank(
    client: TestClient, demo: Demo, db, name: str
) -> None:
    before = snapshot(db)
    assert_error(
        client.post("/v1/tenants", json={"name": name}, headers=demo.service), 422, "invalid_name"
    )
    r = client.put(
        "/v1/admin/plans/team", json={"name": name, "price_cents": 0}, headers=demo.admin
    )
    assert_error(r, 422, "invalid_name")
    assert snapshot(db) == before


def test_object_keys_have_one_form_on_both_routes(client: TestClient, demo: Demo, db) -> None:
    base = f"/v1/tenants/{demo.acme}/storage/objects"
    h = demo.service
    for key in ("/lead.txt", "a//b", "dir/", "a/./b", "a/../b", "x" * 1025):
        r = client.post(base, json={"object_key": key, "size_bytes": 1}, headers=h)
        assert_error(r, 422, "invalid_object_key")
    assert (
        client.post(base, json={"object_key": "docs/a.txt", "size_bytes": 5}, headers=h).status_code
        == 200
    )
    # (clients remove "." and ".." segments themselves, RFC 3986; the rest reaches us as sent)
    for path in ("//docs/a.txt", "/docs//a.txt", "/docs/a.txt/", "/%2Fdocs/a.txt", "/%FF"):
        assert_error(client.delete(base + path, headers=h), 422, "invalid_object_key")
    assert db.execute("select count(*) from core.storage_objects").fetchone()[0] == 1
    odd = ["a b?c#d%e&f+g.txt", "caf\u00e9/\u6587\u4ef6.txt", "..hidden/x", "semi;colon=1"]
    for key in odd:
        r = client.post(base, json={"object_key": key, "size_bytes": 3}, headers=h)
        assert r.json()["allowed"] is True
    for key in ["docs/a.txt", *odd]:
        r = client.delete(f"{base}/{quote(key, safe='/')}", headers=h)
        assert r.json() == {"released_bytes": 5 if key == "docs/a.txt" else 3}, key
    assert db.execute("select count(*) from core.storage_objects").fetchone()[0] == 0


def test_webhook_signed_in_the_future_is_refused(client: TestClient, demo: Demo, db) -> None:
    import time

    body = json.dumps(
        {"id": "evt_f", "type": "x", "created": 1, "data": {"object": {"id": "o"}}}
    ).encode()
    r = client.post(
        "/webhooks/stripe", content=body, headers=signed(body, int(time.time()) + 301 + 5)
    )
    assert "future" in assert_error(r, 400, "invalid_signature")["message"]
    r = client.post("/webhooks/stripe", content=body, headers=signed(body, int(time.time()) - 400))
    assert_error(r, 400, "invalid_signature")
    assert db.execute("select count(*) from core.stripe_events").fetchone()[0] == 0
    r = client.post("/webhooks/stripe", content=body, headers=signed(body, int(time.time()) + 60))
    assert r.status_code == 200  # a small clock skew is fine


def test_same_event_id_with_another_body_is_a_logged_conflict(
    client: TestClient, demo: Demo, db, caplog: pytest.LogCaptureFixture
) -> None:
    first = {
        "id": "evt_c",
        "type": "charge.refunded",
        "created": 1,
        "data": {"object": {"id": "ch_1"}},
    }
    body = json.dumps(first).encode()
    assert (
        client.post("/webhooks/stripe", content=body, headers=signed(body)).json()["conflict"]
        is False
    )
    other = json.dumps({**first, "data": {"object": {"id": "ch_2"}}}).encode()
    with caplog.at_level(logging.WARNING, logger="ratecard.api.webhooks"):
        r = client.post("/webhooks/stripe", content=other, headers=signed(other))
    assert (r.status_code, r.json()["duplicate"], r.json()["conflict"]) == (200, True, True)
    assert any("evt_c" in m and "another body" in m for m in caplog.messages)
    stored = db.execute(
        "select payload from core.stripe_events where event_id = 'evt_c'"
    ).fetchone()[0]
    assert stored == first
