"""Storage tracking by object and category (sql/api/track_object.sql, forget_object.sql,
storage_usage.sql)."""

from __future__ import annotations

import threading

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


def forget(api: Api, t, key: str) -> int:
    return api.service("select api.forget_object(%s::uuid, %s::text) as n", t, key)[0]["n"]


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
        ("", 1, "upload", "RC020"),
        ("k", -1, "upload", "RC004"),
        ("k", 1, "video", "RC005"),
        ("x" * 1025, 1, "upload", "RC020"),
        ("\u00e9" * 513, 1, "upload", "RC020"),  # 1,026 bytes of UTF-8
        ("/lead.txt", 1, "upload", "RC020"),
        ("a//b", 1, "upload", "RC020"),
        ("dir/", 1, "upload", "RC020"),
        ("a/./b", 1, "upload", "RC020"),
        ("../up", 1, "upload", "RC020"),
        ("..", 1, "upload", "RC020"),
        ("tab\there", 1, "upload", "RC020"),
    ],
)
def test_bad_input(catalog: Api, sqlstate, key, size, category, state) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.Error) as info:
        track(catalog, t, key, size, category)
    assert sqlstate(info) == state
    assert catalog.scalar("select count(*) from core.storage_objects") == 0


def test_tracking_a_new_object_twice_at_once_counts_it_once(catalog: Api, connect) -> None:
    t = catalog.tenant(plan="pro")
    conns = [connect() for _ in range(8)]
    barrier = threading.Barrier(len(conns))

    def run(conn: psycopg.Connection) -> None:
        barrier.wait()
        conn.execute("select api.track_object(%s, 'same.bin', 1000, 'upload')", (t,))

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert catalog.entitlement(t, "storage_bytes")["used"] == 1000


def test_what_is_tracked_is_released_with_the_same_key(catalog: Api, sqlstate) -> None:
    """One canonical form (internal.check_object_key) for track and forget alike."""
    t = catalog.tenant(plan="pro")
    for key in (
        "docs/q3.pdf",
        "a b?c#d%e.txt",
        "caf\u00e9/\u6587\u4ef6.txt",
        "..hidden",
        "a.b/c..d",
    ):
        assert track(catalog, t, key, 10)["allowed"] is True
        assert forget(catalog, t, key) == 10
    for key in ("/lead.txt", "a//b", "dir/", "./a", "a/../b"):
        with pytest.raises(psycopg.Error) as info:
            forget(catalog, t, key)
        assert sqlstate(info) == "RC020"
    assert catalog.entitlement(t, "storage_bytes")["used"] == 0


def test_a_key_tracked_before_the_rule_is_still_released(catalog: Api) -> None:
    t = catalog.tenant(plan="pro")
    track(catalog, t, "docs/a.txt", 7)
    catalog.conn.execute(
        "update core.storage_objects set object_key = '/docs/a.txt' where tenant_id = %s", (t,)
    )
    assert forget(catalog, t, "/docs/a.txt") == 7
    assert forget(catalog, t, "docs/a.txt") == 0
