"""POST /v1/tenants/{id}/storage/uploads (a presigned POST of exactly the declared size),
POST /webhooks/s3 (S3 event notifications with a shared secret), GET
/v1/admin/storage/reconciliations, and storage per category in the billing usage; against
a real bucket (boto3, moto in server mode over HTTP)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from jobs import storage
from ratecard.config import Settings
from ratecard.s3_gateway import S3Settings
from ratecard.stripe_gateway import StripeSettings
from tests.api.conftest import Demo, assert_error, meter
from tests.s3 import S3Server, created, notification, removed, settings_for

SECRET = "s3-secret"
MIB = 1024 * 1024


@pytest.fixture
def app(settings: Settings, s3: S3Server) -> Iterator[TestClient]:
    a = create_app(settings, stripe_settings=StripeSettings(), s3_settings=settings_for(s3))
    with TestClient(app=a, raise_server_exceptions=False) as c:
        yield c


def policy(upload: dict[str, Any]) -> dict[str, Any]:
    return json.loads(base64.b64decode(upload["fields"]["policy"]))


def post_file(upload: dict[str, Any], body: bytes) -> httpx.Response:
    """What a browser does with the presigned POST: a multipart form, the file last."""
    return httpx.post(upload["url"], data=upload["fields"], files={"file": ("f", body)})


def test_upload_through_a_presigned_post_of_exactly_the_declared_size(
    app: TestClient, demo: Demo, s3: S3Server, db: psycopg.Connection
) -> None:
    r = app.post(
        f"/v1/tenants/{demo.acme}/storage/uploads",
        json={
            "file_name": "q3 report.pdf",
            "category": "upload",
            "size_bytes": 1_000_000,
            "content_type": "application/pdf",
        },
        headers=demo.service,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    key = body["object_key"]
    assert key.startswith(f"tenants/{demo.acme}/upload/") and key.endswith("/q3 report.pdf")
    assert (body["used"], body["state"], body["expires_in"]) == (1_000_000, "ok", 900)
    upload = body["upload"]
    assert upload["method"] == "POST" and upload["fields"]["key"] == key
    assert upload["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    # moto does not enforce the policy's conditions: read the signed policy itself
    conditions = policy(upload)["conditions"]
    assert ["content-length-range", 1_000_000, 1_000_000] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"bucket": s3.bucket} in conditions and {"key": key} in conditions

    assert post_file(upload, b"x" * 1_000_000).status_code == 204
    head = s3.client.head_object(Bucket=s3.bucket, Key=key)
    assert (head["ContentLength"], head["ContentType"]) == (1_000_000, "application/pdf")
    # pending until S3 tells (moto sends no events): the reconciliation confirms it
    run = storage.reconcile(db, settings_for(s3))
    assert (run["added"], run["confirmed"], run["oversized"]) == (1, 1, 0)
    assert meter(db, demo.acme, "storage_bytes") == 1_000_000
    usage = app.get(f"/v1/tenants/{demo.acme}/storage", headers=demo.service).json()
    upload_row = next(c for c in usage["categories"] if c["category"] == "upload")
    assert upload_row == {
        "category": "upload",
        "objects": 1,
        "bytes": 1_000_000,
        "pending_objects": 0,
        "pending_bytes": 0,
        "oversized_objects": 0,
    }


def test_an_upload_over_the_limit_is_refused_before_it_starts(
    app: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    url = f"/v1/tenants/{demo.acme}/storage/uploads"  # Starter: 5 MiB, soft +5%
    ok = app.post(
        url,
        json={"file_name": "a.bin", "category": "backup", "size_bytes": 5 * MIB},
        headers=demo.service,
    )
    assert ok.status_code == 201
    r = app.post(
        url,
        json={"file_name": "b.bin", "category": "backup", "size_bytes": MIB},
        headers=demo.service,
    )
    body = assert_error(r, 403, "storage_limit_exceeded")
    assert "used=5242880" in body["detail"]
    assert meter(db, demo.acme, "storage_bytes") == 5 * MIB  # nothing recorded for it
    # inside the 5% buffer it still goes, with the state saying so
    r = app.post(
        url,
        json={"file_name": "c.bin", "category": "backup", "size_bytes": 200_000},
        headers=demo.service,
    )
    assert (r.status_code, r.json()["state"]) == (201, "over_limit")


def test_an_object_larger_than_declared_is_counted_and_flagged(
    app: TestClient, demo: Demo, s3: S3Server, db: psycopg.Connection
) -> None:
    r = app.post(
        f"/v1/tenants/{demo.acme}/storage/uploads",
        json={"file_name": "x.png", "category": "attachment", "size_bytes": 5},
        headers=demo.service,
    )
    upload = r.json()["upload"]
    assert ["content-length-range", 5, 5] in policy(upload)["conditions"]
    assert post_file(upload, b"123456789").status_code == 204  # moto lets 9 bytes in
    run = storage.reconcile(db, settings_for(s3))
    assert run["oversized"] == 1
    assert meter(db, demo.acme, "storage_bytes") == 9
    objs = app.get(f"/v1/tenants/{demo.acme}/storage", headers=demo.service).json()
    att = next(c for c in objs["categories"] if c["category"] == "attachment")
    assert (att["bytes"], att["oversized_objects"]) == (9, 1)


def test_upload_requests_that_change_nothing(
    app: TestClient, demo: Demo, settings: Settings
) -> None:
    url = f"/v1/tenants/{demo.acme}/storage/uploads"
    h = demo.service
    assert_error(
        app.post(url, json={"size_bytes": 1, "category": "upload"}, headers=h),
        422,
        "invalid_argument",
    )
    assert_error(
        app.post(url, json={"size_bytes": 1, "file_name": "a/b", "category": "upload"}, headers=h),
        422,
        "invalid_object_key",
    )
    assert_error(
        app.post(url, json={"size_bytes": -1, "file_name": "a", "category": "upload"}, headers=h),
        422,
        "invalid_amount",
    )
    assert_error(
        app.post(url, json={"size_bytes": "1", "file_name": "a"}, headers=h), 422, "invalid_request"
    )
    other = f"tenants/{demo.globex}/upload/x"
    assert_error(
        app.post(url, json={"size_bytes": 1, "object_key": other}, headers=h),
        422,
        "invalid_object_key",
    )
    zero = "/v1/tenants/00000000-0000-0000-0000-000000000000/storage/uploads"
    assert_error(
        app.post(zero, json={"size_bytes": 1, "file_name": "a", "category": "upload"}, headers=h),
        404,
        "tenant_not_found",
    )
    assert_error(
        app.post(
            url, json={"size_bytes": 1, "file_name": "a", "category": "upload"}, headers=demo.tenant
        ),
        403,
        "forbidden",
    )
    # no bucket configured: 503 before anything is reserved
    bare = create_app(settings, stripe_settings=StripeSettings(), s3_settings=S3Settings())
    with TestClient(app=bare, raise_server_exceptions=False) as c:
        r = c.post(url, json={"size_bytes": 1, "file_name": "a", "category": "upload"}, headers=h)
        assert_error(r, 503, "storage_not_configured")
    usage = app.get(f"/v1/tenants/{demo.acme}/storage", headers=h).json()["categories"]
    assert sum(c["pending_objects"] for c in usage) == 0


def test_s3_events_through_the_webhook(
    app: TestClient, demo: Demo, s3: S3Server, db: psycopg.Connection
) -> None:
    key = f"tenants/{demo.acme}/export/2026 Q3+Q4.csv"
    good = {"Authorization": f"Bearer {SECRET}"}
    newer, older = (
        created(key, 700, "0055AED6DCD90281E6", bucket=s3.bucket),
        removed(key, "0055AED6DCD90281E5", bucket=s3.bucket),
    )
    r = app.post("/webhooks/s3", json=notification(newer, older), headers=good)
    assert r.status_code == 200, r.text
    assert (r.json()["applied"], r.json()["stale"]) == (1, 1)
    assert meter(db, demo.acme, "storage_bytes") == 700
    # the same delivery again: nothing changes; the older removal alone: stale
    assert (
        app.post("/webhooks/s3", json=notification(newer), headers=good).json()["duplicates"] == 1
    )
    assert app.post("/webhooks/s3", json=notification(older), headers=good).json()["stale"] == 1
    assert meter(db, demo.acme, "storage_bytes") == 700
    # SNS sends the secret as the password of HTTP Basic
    basic = base64.b64encode(f"sns:{SECRET}".encode()).decode()
    later = removed(key, "0055AED6DCD90281E7", bucket=s3.bucket)
    r = app.post(
        "/webhooks/s3", json=notification(later), headers={"Authorization": f"Basic {basic}"}
    )
    assert r.json()["applied"] == 1 and meter(db, demo.acme, "storage_bytes") == 0
    # another bucket's records are ignored
    foreign = created(key, 5, "0055AED6DCD90281E8", bucket="someone-else")
    assert app.post("/webhooks/s3", json=notification(foreign), headers=good).json()["ignored"] == 1


def test_webhook_refusals(app: TestClient, settings: Settings) -> None:
    body = notification()
    assert_error(app.post("/webhooks/s3", json=body), 401, "unauthorized")
    assert_error(
        app.post("/webhooks/s3", json=body, headers={"Authorization": "Bearer nope"}),
        401,
        "unauthorized",
    )
    good = {"Authorization": f"Bearer {SECRET}"}
    assert_error(app.post("/webhooks/s3", json={"Records": 3}, headers=good), 400, "invalid_event")
    assert_error(
        app.post(
            "/webhooks/s3", content=b"{", headers={**good, "Content-Type": "application/json"}
        ),
        400,
        "malformed_json",
    )
    big = b'{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"object": {"size": 1e400}}}]}'
    assert_error(
        app.post("/webhooks/s3", content=big, headers={**good, "Content-Type": "application/json"}),
        400,
        "malformed_json",
    )
    bare = create_app(settings, stripe_settings=StripeSettings(), s3_settings=S3Settings())
    with TestClient(app=bare, raise_server_exceptions=False) as c:
        assert_error(c.post("/webhooks/s3", json=body, headers=good), 503, "storage_not_configured")


def test_admin_lists_reconciliations_and_billing_usage_shows_categories(
    app: TestClient, demo: Demo, s3: S3Server, db: psycopg.Connection
) -> None:
    s3.put(f"tenants/{demo.acme}/profile_image/me.png", b"x" * 10)
    s3.put("misc/readme.txt", b"x")
    storage.reconcile(db, settings_for(s3))
    runs = app.get("/v1/admin/storage/reconciliations", headers=demo.admin)
    assert runs.status_code == 200
    run = runs.json()[0]
    assert (run["status"], run["added"], run["unattributed"]) == ("succeeded", 1, 1)
    assert run["tenants"][0]["tenant_id"] == str(demo.acme)
    only = app.get(f"/v1/admin/storage/reconciliations?tenant_id={demo.globex}", headers=demo.admin)
    assert only.json() == []
    assert_error(
        app.get("/v1/admin/storage/reconciliations?limit=0", headers=demo.admin),
        422,
        "invalid_argument",
    )
    assert_error(
        app.get("/v1/admin/storage/reconciliations", headers=demo.service), 403, "forbidden"
    )
    usage = app.get("/v1/billing/usage", headers=demo.tenant).json()
    by = {u["feature"]: u for u in usage}
    cats = {c["category"]: c for c in by["storage_bytes"]["categories"]}
    assert (cats["profile_image"]["objects"], cats["profile_image"]["bytes"]) == (1, 10)
    assert by["ai_decisions"]["categories"] is None
