"""Storage under concurrency, with real connections: uploads racing for the last bytes
never pass the soft cap together, and event batches racing with a reconciliation page and
track calls on the same keys end consistent (no deadlock, the gauge equals the objects)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tests.s3 import created, notification, removed
from tests.sql.api.test_concurrency import race
from tests.sql.conftest import Api


def test_racing_uploads_never_pass_the_cap_together(catalog: Api, connect: Callable) -> None:
    t = catalog.tenant("a")  # free: 1000 bytes, soft +10%: 1100 at most

    def work(conn: psycopg.Connection, i: int) -> list[Any]:
        out = []
        for n in range(5):
            try:
                conn.execute(
                    "select * from api.create_upload(%s, 'upload', 30, %s)", (t, f"{i}-{n}")
                )
                out.append(30)
            except psycopg.Error as exc:
                assert exc.sqlstate == "RC031"
                out.append(0)
        return out

    granted = sum(race(connect, work))
    assert granted == 1080  # 36 uploads of 30 fit under 1100, the 37th would not
    assert catalog.entitlement(t, "storage_bytes")["used"] == 1080
    pending = catalog.scalar("select sum(size_bytes) from core.storage_uploads")
    assert pending == 1080


def test_events_track_and_reconciliation_race_on_the_same_keys(
    catalog: Api, connect: Callable
) -> None:
    t = catalog.tenant("a", plan="pro")
    keys = [f"tenants/{t}/upload/{n:03d}" for n in range(40)]
    run = catalog.service("select * from api.start_storage_reconciliation('bucket-1')")[0][
        "reconciliation_id"
    ]
    conns = [connect() for _ in range(6)]
    for c in conns:
        c.execute("set role ratecard_service")
    barrier = threading.Barrier(6)

    def events(conn: psycopg.Connection, flip: bool) -> None:
        order = list(reversed(keys)) if flip else keys
        for n, k in enumerate(order):
            conn.execute(
                "select * from api.receive_s3_events(%s::jsonb)",
                (Jsonb(notification(created(k, 10 + n, f"{n + 1:04X}"),
                                    removed(order[n - 1], f"{n:04X}"))),),
            )  # fmt: skip

    def page(conn: psycopg.Connection) -> None:
        body = [{"k": k, "s": 7, "m": None} for k in keys]
        for _ in range(5):
            conn.execute(
                "select api.reconcile_storage_page(%s, null, %s, false)", (run, Jsonb(body))
            )

    def track(conn: psycopg.Connection) -> None:
        for k in keys:
            conn.execute("select * from api.track_object(%s, %s, 5)", (t, k))
            conn.execute("select api.forget_object(%s, %s)", (t, k))

    jobs = [
        lambda c: events(c, False),
        lambda c: events(c, True),
        page,
        page,
        track,
        track,
    ]

    def go(i: int) -> None:
        barrier.wait()
        jobs[i](conns[i])

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(go, range(6)))
    objects = catalog.scalar(
        "select coalesce(sum(size_bytes), 0) from core.storage_objects where tenant_id = %s", t
    )
    assert catalog.entitlement(t, "storage_bytes")["used"] == objects
    per_category = catalog.scalar(
        "select coalesce(sum(bytes), 0) from core.storage_categories where tenant_id = %s", t
    )
    assert per_category == objects
