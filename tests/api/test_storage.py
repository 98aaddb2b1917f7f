"""Storage routes: POST .../storage/objects (api.track_object), DELETE
.../storage/objects/{key} (api.forget_object), GET .../storage (api.storage_usage)."""

from __future__ import annotations

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, meter

ZERO = "00000000-0000-0000-0000-000000000000"


def usage(client: TestClient, demo: Demo) -> dict[str, tuple[int, int]]:
    r = client.get(f"/v1/tenants/{demo.acme}/storage", headers=demo.service)
    assert r.status_code == 200 and r.json()["tenant_id"] == str(demo.acme)
    return {c["category"]: (c["objects"], c["bytes"]) for c in r.json()["categories"]}


def test_track_resize_and_forget(client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    base = f"/v1/tenants/{demo.acme}/storage/objects"  # Starter: 5 MiB, soft, +5%
    h = demo.service
    r = client.post(base, json={"object_key": "docs/a b.pdf", "size_bytes": 4_000_000}, headers=h)
    assert r.status_code == 200
    assert (r.json()["allowed"], r.json()["used"], r.json()["state"]) == (True, 4_000_000, "ok")
    r = client.post(
        base,
        json={"object_key": "img/p.png", "size_bytes": 2_000_000, "category": "profile_image"},
        headers=h,
    )
    assert r.json()["allowed"] is False  # past 5 MiB + 5%: nothing recorded
    r = client.post(
        base,
        json={"object_key": "img/p.png", "size_bytes": 500_000, "category": "profile_image"},
        headers=h,
    )
    assert r.json()["used"] == 4_500_000
    # re-tracking a key replaces its size
    r = client.post(base, json={"object_key": "docs/a b.pdf", "size_bytes": 1_000_000}, headers=h)
    assert r.json()["used"] == 1_500_000
    assert usage(client, demo)["upload"] == (1, 1_000_000)
    assert usage(client, demo)["profile_image"] == (1, 500_000)
    assert usage(client, demo)["backup"] == (0, 0)

    # the key is the rest of the path, slashes and escapes included
    r = client.delete(f"{base}/docs/a%20b.pdf", headers=h)
    assert (r.status_code, r.json()) == (200, {"released_bytes": 1_000_000})
    r = client.delete(f"{base}/docs/a%20b.pdf", headers=h)
    assert r.json() == {"released_bytes": 0}  # deleting twice is harmless
    assert meter(db, demo.acme, "storage_bytes") == 500_000
    assert usage(client, demo)["upload"] == (0, 0)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"object_key": "x", "size_bytes": 1, "category": "video"}, 422, "invalid_argument"),
        ({"object_key": "", "size_bytes": 1}, 422, "invalid_object_key"),
        ({"object_key": "x", "size_bytes": -1}, 422, "invalid_amount"),
        ({"object_key": "x", "size_bytes": "1"}, 422, "invalid_request"),
        ({"object_key": "x"}, 422, "invalid_request"),
    ],
)
def test_track_bad_input(
    client: TestClient,
    demo: Demo,
    db: psycopg.Connection,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    r = client.post(f"/v1/tenants/{demo.acme}/storage/objects", json=body, headers=demo.service)
    assert_error(r, status, code)
    assert db.execute("select count(*) from core.storage_objects").fetchone() == (0,)


def test_unknown_tenant(client: TestClient, demo: Demo) -> None:
    h = demo.service
    base = f"/v1/tenants/{ZERO}/storage"
    r = client.post(f"{base}/objects", json={"object_key": "x", "size_bytes": 1}, headers=h)
    assert_error(r, 404, "tenant_not_found")
    assert_error(client.delete(f"{base}/objects/x", headers=h), 404, "tenant_not_found")
    assert_error(client.get(base, headers=h), 404, "tenant_not_found")


def test_storage_history_per_day_and_category(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    base = f"/v1/tenants/{demo.acme}/storage"
    h = demo.service
    client.post(f"{base}/objects", json={"object_key": "a", "size_bytes": 300}, headers=h)
    client.post(f"{base}/objects", json={"object_key": "b", "size_bytes": 200}, headers=h)
    client.delete(f"{base}/objects/a", headers=h)
    body = client.get(f"{base}?days=7", headers=h).json()
    assert body["tenant_id"] == str(demo.acme)
    (today,) = body["history"]
    assert (today["category"], today["objects"], today["bytes"], today["peak_bytes"]) == (
        "upload",
        1,
        200,
        500,
    )
    assert client.get(f"{base}?days=0", headers=h).json()["history"] == []
    assert_error(client.get(f"{base}?days=367", headers=h), 422, "invalid_argument")
