"""Storage tracking by object and category (sql/api/track_object.sql, forget_object.sql,
storage_usage.sql)."""

from __future__ import annotations

import psycopg
import pytest

from tests.sql.conftest import Api


def track(api: Api, t, key: str, size: int, category: str = "upload") -> dict:
    return api.service(
        "select * from api.track_object(%s::uuid, %s::text, %s::bigint, %s::text)",
        t,
        key,
        size,
        category,
    )[0]


def usage(api: Api, t) -> dict[str, tuple[int, int]]:
    rows = api.service("select * from api.storage_usage(%s::uuid)", t)
    return {r["category"]: (r["objects"], r["bytes"]) for r in rows}


def test_track_checks_limit_and_records(catalog: Api) -> None:
    t = catalog.tenant()  # free: 1000 bytes soft, 10% buffer
    assert track(catalog, t, "a.pdf", 600)["allowed"] is True
    r = track(catalog, t, "b.png", 450, "profile_image")
    assert (r["allowed"], r["used"], r["state"]) == (True, 1050, "over_limit")
    denied = track(catalog, t, "c.zip", 100, "backup")
    assert (denied["allowed"], denied["used"]) == (False, 1050)
    assert usage(catalog, t) == {
        "attachment": (0, 0),
        "backup": (0, 0),
        "export": (0, 0),
        "profile_image": (1, 450),
        "upload": (1, 600),
    }


def test_retrack_replaces_size(catalog: Api) -> None:
    t = catalog.tenant()
    track(catalog, t, "a", 300)
    track(catalog, t, "a", 500, "export")
    assert catalog.entitlement(t, "storage_bytes")["used"] == 500
    same = track(catalog, t, "a", 500, "export")
    assert (same["allowed"], same["duplicate"], same["used"]) == (True, True, 500)
    assert usage(catalog, t)["export"] == (1, 500)
    shrink = track(catalog, t, "a", 100, "export")
    assert (shrink["allowed"], shrink["used"]) == (True, 100)


def test_forget_releases_bytes_once(catalog: Api) -> None:
    t = catalog.tenant()
    track(catalog, t, "a", 300)
    track(catalog, t, "b", 200)
    assert catalog.service("select api.forget_object(%s::uuid, 'a') as n", t)[0]["n"] == 300
    assert catalog.service("select api.forget_object(%s::uuid, 'a') as n", t)[0]["n"] == 0
    assert catalog.entitlement(t, "storage_bytes")["used"] == 200


@pytest.mark.parametrize(
    ("key", "size", "category", "state"),
    [
        ("", 1, "upload", "RC005"),
        ("k", -1, "upload", "RC004"),
        ("k", 1, "video", "RC005"),
        ("x" * 1025, 1, "upload", "RC005"),
    ],
)
def test_bad_input(catalog: Api, sqlstate, key, size, category, state) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.Error) as info:
        track(catalog, t, key, size, category)
    assert sqlstate(info) == state
    assert catalog.scalar("select count(*) from core.storage_objects") == 0
