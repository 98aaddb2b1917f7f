"""Concurrency with real connections: 16+ sessions race on one tenant and feature.

No overshoot, no lost update, duplicates counted once, thresholds emitted once."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api

WORKERS = 16
LIMIT = 1000


def race(
    connect: Callable[..., psycopg.Connection],
    work: Callable[[psycopg.Connection, int], list[Any]],
    workers: int = WORKERS,
) -> list[Any]:
    """Run work(conn, worker_index) on `workers` connections released at the same moment."""
    conns = [connect() for _ in range(workers)]
    for c in conns:
        c.execute("set role ratecard_service")
    barrier = threading.Barrier(workers)

    def run(i: int) -> list[Any]:
        barrier.wait()
        return work(conns[i], i)

    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(run, range(workers)))
    return [r for rs in results for r in rs]


def ledger_and_meter(api: Api, t) -> tuple[int, int]:
    return (
        api.scalar(
            "select coalesce(sum(amount), 0) from core.usage_events"
            " where tenant_id = %s and feature = 'calls'",
            t,
        ),
        api.scalar(
            "select coalesce(sum(used), 0) from core.meters"
            " where tenant_id = %s and feature = 'calls'",
            t,
        ),
    )


def test_exactly_the_limit_is_allowed(catalog: Api, connect) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'calls', %s)", t, LIMIT)

    def work(conn: psycopg.Connection, i: int) -> list[bool]:
        return [
            conn.execute("select allowed from api.consume(%s, 'calls', 1)", (t,)).fetchone()[0]
            for _ in range(130)
        ]

    outcomes = race(connect, work)
    assert len(outcomes) == WORKERS * 130
    assert outcomes.count(True) == LIMIT
    assert ledger_and_meter(catalog, t) == (LIMIT, LIMIT)
    assert catalog.scalar(
        "select array_agg(threshold order by threshold) from core.notifications"
        " where tenant_id = %s",
        t,
    ) == [80, 95, 100]


def test_racing_duplicates_are_counted_once(catalog: Api, connect) -> None:
    t = catalog.tenant()
    catalog.admin("select api.set_override(%s, 'calls', %s)", t, LIMIT)
    keys = [f"k{n}" for n in range(1500)]
    # Every key is sent by two different workers, in different orders.
    plans: list[list[str]] = [[] for _ in range(WORKERS)]
    for n, key in enumerate(keys):
        plans[n % WORKERS].append(key)
        plans[(n + 1 + n % 7) % WORKERS].append(key)
    for p in plans:
        random.Random(len(p)).shuffle(p)

    def work(conn: psycopg.Connection, i: int) -> list[tuple]:
        out = []
        for key in plans[i]:
            row = conn.execute(
                "select allowed, duplicate, used from api.consume(%s, 'calls', 1, %s)", (t, key)
            ).fetchone()
            out.append((key, *row))
        return out

    results = race(connect, work)
    assert len(results) == 3000
    firsts = [r for r in results if not r[2]]
    dups = [r for r in results if r[2]]
    assert len(firsts) == 1500 and len(dups) == 1500
    assert {r[0] for r in firsts} == set(keys)  # one first outcome per key
    assert sum(1 for r in firsts if r[1]) == LIMIT
    first_by_key = {r[0]: r for r in firsts}
    for key, allowed, _dup, used in dups:
        assert (allowed, used) == (first_by_key[key][1], first_by_key[key][3])
    assert ledger_and_meter(catalog, t) == (LIMIT, LIMIT)
    assert (
        catalog.scalar(
            "select count(*) from core.idempotency_keys where tenant_id = %s and allowed", t
        )
        == LIMIT
    )


def test_racing_record_usage_counts_each_key_once(catalog: Api, connect) -> None:
    t = catalog.tenant()
    keys = [f"r{n}" for n in range(200)]

    def work(conn: psycopg.Connection, i: int) -> list[bool]:
        order = keys[:]
        random.Random(i).shuffle(order)
        return [
            conn.execute("select api.record_usage(%s, 'tokens', 3, %s)", (t, k)).fetchone()[0]
            for k in order
        ]

    results = race(connect, work)
    assert results.count(True) == 200
    assert catalog.entitlement(t, "tokens")["used"] == 600
    assert catalog.scalar("select count(*) from core.usage_events where tenant_id = %s", t) == 200


def test_overlapping_batches_neither_deadlock_nor_double_count(catalog: Api, connect) -> None:
    tenants = [catalog.tenant(f"t{n}") for n in range(8)]
    events = [
        {"tenant_id": str(t), "feature": "tokens", "amount": 1, "idempotency_key": f"e{n}"}
        for n in range(50)
        for t in tenants
    ]

    def work(conn: psycopg.Connection, i: int) -> list[int]:
        mine = events[:]
        random.Random(i).shuffle(mine)
        out = []
        for start in range(0, len(mine), 100):
            row = conn.execute(
                "select accepted from api.record_usage_batch(%s)",
                (Jsonb(mine[start : start + 100]),),
            ).fetchone()
            out.append(row[0])
        return out

    accepted = race(connect, work, workers=8)
    assert sum(accepted) == len(events)
    for t in tenants:
        assert catalog.entitlement(t, "tokens")["used"] == 50


def test_gauge_release_and_consume_race_keeps_the_level_exact(catalog: Api, connect) -> None:
    t = catalog.tenant(plan="pro")
    catalog.admin("select api.set_override(%s, 'members', 100000)", t)

    def work(conn: psycopg.Connection, i: int) -> list[int]:
        for _ in range(50):
            conn.execute("select api.consume(%s, 'members', 3)", (t,))
            conn.execute("select api.consume(%s, 'members', -1)", (t,))
        return []

    race(connect, work)
    assert catalog.entitlement(t, "members")["used"] == WORKERS * 50 * 2
    assert (
        catalog.scalar(
            "select sum(amount) from core.usage_events"
            " where tenant_id = %s and feature = 'members'",
            t,
        )
        == WORKERS * 50 * 2
    )
