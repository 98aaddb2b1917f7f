"""api.create_upload: the check before a presigned upload, and its pending reservation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from tests.sql.conftest import Api

# The free plan of the test catalog: storage_bytes 1000, soft, +10% (1100), 7 days' grace.


def upload(api: Api, tenant: UUID, size: int, **kw: Any) -> dict[str, Any]:
    return api.service(
        "select * from api.create_upload(%s::uuid, %s::text, %s::bigint, %s::text, %s::text,"
        " %s::text)",
        tenant,
        kw.get("category", "upload"),
        size,
        kw.get("file_name", None if "object_key" in kw else "report.pdf"),
        kw.get("object_key"),
        kw.get("content_type"),
    )[0]


def gauge(api: Api, tenant: UUID) -> int:
    return api.entitlement(tenant, "storage_bytes")["used"]


def test_an_upload_is_placed_reserved_and_pending(catalog: Api) -> None:
    t = catalog.tenant("a")
    u = upload(catalog, t, 600, content_type="application/pdf")
    assert u["object_key"].startswith(f"tenants/{t}/upload/")
    assert u["object_key"].endswith("/report.pdf")
    assert (u["size_bytes"], u["used"], u["limit"], u["state"]) == (600, 600, 1000, "ok")
    assert u["expires_in"] == 900
    assert u["pending_until"] - u["expires_at"] == timedelta(seconds=7200 - 900)
    assert gauge(catalog, t) == 600  # reserved
    # the same file name again is another object, never an overwrite
    u2 = upload(catalog, t, 100)
    assert u2["object_key"] != u["object_key"] and gauge(catalog, t) == 700
    usage = {r["category"]: r for r in catalog.service("select * from api.storage_usage(%s)", t)}
    assert (usage["upload"]["pending_objects"], usage["upload"]["pending_bytes"]) == (2, 700)
    assert (usage["upload"]["objects"], usage["upload"]["bytes"]) == (0, 0)


def test_over_the_limit_is_refused_before_it_starts(catalog: Api) -> None:
    t = catalog.tenant("a")
    upload(catalog, t, 1000)
    u = upload(catalog, t, 100)  # into the 10% buffer: allowed, over_limit
    assert (u["used"], u["state"]) == (1100, "blocked")
    with pytest.raises(psycopg.Error) as e:
        upload(catalog, t, 1)
    assert e.value.sqlstate == "RC031"
    assert "used=1100" in (e.value.diag.message_detail or "")
    assert gauge(catalog, t) == 1100
    n = catalog.scalar("select count(*) from core.storage_uploads where tenant_id = %s", t)
    assert n == 2  # nothing recorded for the refusal


def test_grace_ends_and_uploads_are_refused_within_the_buffer(catalog: Api) -> None:
    t = catalog.tenant("a")
    now = datetime(2026, 11, 1, tzinfo=UTC)
    catalog.set_clock(now)
    upload(catalog, t, 1010)  # over the limit, within the buffer: grace starts
    assert upload(catalog, t, 10)["state"] == "over_limit"
    catalog.set_clock(now + timedelta(days=8))
    with pytest.raises(psycopg.Error) as e:
        upload(catalog, t, 10)
    assert e.value.sqlstate == "RC031"


def test_a_named_key_must_be_the_tenants(catalog: Api) -> None:
    t, other = catalog.tenant("a"), catalog.tenant("b")
    key = f"tenants/{t}/backup/2026/db.dump"
    u = upload(catalog, t, 10, object_key=key, category=None)
    assert (u["object_key"], u["category"]) == (key, "backup")
    # asking again for the key replaces the pending upload (reservation follows)
    assert upload(catalog, t, 30, object_key=key, category="backup")["used"] == 30
    for bad, state in [
        (f"tenants/{other}/backup/x", "RC020"),  # another tenant's
        ("misc/x", "RC020"),  # outside the layout
        (f"tenants/{t}/videos/x", "RC020"),  # no such category
        (f"tenants/{t}/upload//x", "RC020"),  # not canonical
    ]:
        with pytest.raises(psycopg.Error) as e:
            upload(catalog, t, 1, object_key=bad, category=None)
        assert e.value.sqlstate == state, bad
    with pytest.raises(psycopg.Error) as e:  # the key says backup
        upload(catalog, t, 1, object_key=key, category="upload")
    assert e.value.sqlstate == "RC005"


@pytest.mark.parametrize(
    ("kw", "state"),
    [
        ({"file_name": "a/b.pdf"}, "RC020"),
        ({"file_name": ".."}, "RC020"),
        ({"file_name": "x" * 256}, "RC020"),
        ({"file_name": None}, "RC005"),  # neither name nor key
        ({"object_key": "k", "file_name": "f"}, "RC005"),  # both
        ({"category": "video"}, "RC005"),
        ({"category": None}, "RC005"),
        ({"content_type": "pdf"}, "RC005"),
        ({"content_type": "text/plain\r\nX-Evil: 1"}, "RC005"),
    ],
)
def test_bad_requests_change_nothing(catalog: Api, kw: dict[str, Any], state: str) -> None:
    t = catalog.tenant("a")
    with pytest.raises(psycopg.Error) as e:
        upload(catalog, t, 10, **kw)
    assert e.value.sqlstate == state
    assert gauge(catalog, t) == 0


@pytest.mark.parametrize("size", [-1, 5 * 1024**3 + 1])
def test_sizes_outside_what_one_post_takes(catalog: Api, size: int) -> None:
    t = catalog.tenant("a")
    with pytest.raises(psycopg.Error) as e:
        upload(catalog, t, size)
    assert e.value.sqlstate == "RC004"


def test_replacing_a_stored_object_needs_room_only_for_the_growth(catalog: Api) -> None:
    t = catalog.tenant("a")
    key = f"tenants/{t}/profile_image/me.png"
    catalog.service("select * from api.track_object(%s, %s, 900, 'profile_image')", t, key)
    u = upload(catalog, t, 900, object_key=key, category=None)  # same size: no new room
    assert u["used"] == 900
    assert upload(catalog, t, 950, object_key=key, category=None)["used"] == 950
    # forgetting the old object keeps the reservation of the pending upload
    assert catalog.scalar("select api.forget_object(%s, %s)", t, key) == 900
    assert gauge(catalog, t) == 950
