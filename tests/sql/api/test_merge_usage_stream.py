"""api.open_usage_stream + COPY + api.merge_usage_stream (sql/api/merge_usage_stream.sql,
sql/internal/merge_usage_stream.sql): bulk ingestion by COPY, exactly once per key."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from tests.sql.conftest import Api

COLUMNS = "line, tenant_id, feature, amount, idempotency_key, occurred_at, properties"


def stream(api: Api, rows: list[tuple[Any, ...]]) -> tuple[int, int]:
    """One transaction as ratecard_service: open, COPY the rows, merge."""
    conn = api.conn
    with conn.transaction():
        conn.execute("set local role ratecard_service")
        conn.execute("select api.open_usage_stream()")
        with conn.cursor().copy(f"copy pg_temp.usage_stream ({COLUMNS}) from stdin") as copy:
            for row in rows:
                copy.write_row(row)
        got = conn.execute("select accepted, duplicates from api.merge_usage_stream()").fetchone()
    assert got is not None
    return got


def ledger(api: Api, t: Any, feature: str) -> tuple[int, int]:
    return (
        api.scalar(
            "select coalesce(sum(amount), 0) from core.usage_events"
            " where tenant_id = %s and feature = %s",
            t,
            feature,
        ),
        api.scalar(
            "select coalesce(sum(used), 0) from core.meters where tenant_id = %s and feature = %s",
            t,
            feature,
        ),
    )


def test_a_stream_counts_each_key_once_and_meters_equal_the_ledger(catalog: Api) -> None:
    a, b = catalog.tenant("a"), catalog.tenant("b")
    rows = [(n, a if n % 2 else b, "tokens", n, f"k{n}", None, None) for n in range(1, 201)]
    rows.append((201, a, "tokens", 1, "k1", None, None))  # a retry inside the stream
    assert stream(catalog, rows) == (200, 1)
    assert ledger(catalog, a, "tokens") == (10000, 10000)  # 1 + 3 + ... + 199
    assert ledger(catalog, b, "tokens") == (10100, 10100)
    # the same stream again: all duplicates, nothing counted twice
    assert stream(catalog, rows) == (0, 201)
    assert ledger(catalog, a, "tokens") == (10000, 10000)
    assert (
        catalog.scalar("select count(*) from core.idempotency_keys where operation = 'record'")
        == 200
    )


def test_ledger_rows_are_billed_when_the_plan_bills_the_feature(catalog: Api) -> None:
    """As record_usage marks them (metered billing reports billed rows to Stripe): tokens
    are billed on both test plans, calls are not."""
    t = catalog.tenant()
    rows = [(1, t, "tokens", 5, "a", None, None), (2, t, "calls", 1, "b", None, None)]
    assert stream(catalog, rows) == (2, 0)
    assert catalog.admin(
        "select feature, billed from core.usage_events where tenant_id = %s order by feature", t
    ) == [{"feature": "calls", "billed": False}, {"feature": "tokens", "billed": True}]
    batch = catalog.service(
        "select * from api.record_usage_batch(%s::jsonb)",
        json.dumps(
            [{"tenant_id": str(t), "feature": "tokens", "amount": 1, "idempotency_key": "c"}]
        ),
    )
    assert batch == [{"accepted": 1, "duplicates": 0}]
    assert catalog.scalar(
        "select billed from core.usage_events where tenant_id = %s and idempotency_key = 'c'", t
    )


def test_late_events_count_in_their_own_period_and_properties_are_kept(catalog: Api) -> None:
    t = catalog.tenant()
    rows = [
        (1, t, "calls", 2, "old", "2020-01-15T10:00:00Z", '{"model": "m1"}'),
        (2, t, "calls", 3, "new", None, None),
    ]
    assert stream(catalog, rows) == (2, 0)
    periods = catalog.conn.execute(
        "select used from core.meters where tenant_id = %s and feature = 'calls'"
        " order by period_start",
        (t,),
    ).fetchall()
    assert [p[0] for p in periods] == [2, 3]
    assert (
        catalog.scalar(
            "select properties->>'model' from core.usage_events where idempotency_key = 'old'"
        )
        == "m1"
    )


def test_volatile_meters_thresholds_and_grace(catalog: Api) -> None:
    t = catalog.tenant()  # free: calls 10 (block), hourly 5 (non-durable)
    rows = [(1, t, "calls", 9, "a", None, None), (2, t, "calls", 3, "b", None, None)]
    rows.append((3, t, "hourly", 2, "c", None, None))
    assert stream(catalog, rows) == (3, 0)
    assert catalog.entitlement(t, "calls")["used"] == 12  # recorded usage is not blocked
    assert catalog.entitlement(t, "hourly")["used"] == 2
    assert catalog.scalar("select count(*) from core.volatile_meters where tenant_id = %s", t) == 1
    assert catalog.scalar(
        "select array_agg(threshold order by threshold) from core.notifications"
        " where tenant_id = %s and feature = 'calls'",
        t,
    ) == [80, 95, 100]
    assert catalog.scalar(
        "select over_since is not null from core.meters where tenant_id = %s and feature = 'calls'",
        t,
    )


@pytest.mark.parametrize(
    ("row", "state"),
    [
        ((7, "T", "calls", 0, "k", None, None), "RC004"),
        ((7, "T", "calls", 1, "has space", None, None), "RC019"),
        ((7, "T", "calls", 1, "k" * 256, None, None), "RC019"),
        ((7, None, "calls", 1, "k", None, None), "RC005"),
        ((7, "T", "calls", 1, "k", None, "[1]"), "RC005"),
        ((7, "T", "nope", 1, "k", None, None), "RC002"),
        ((7, "00000000-0000-0000-0000-000000000000", "calls", 1, "k", None, None), "RC001"),
        ((7, "T", "members", 1, "k", None, None), "RC009"),
    ],
)
def test_a_bad_row_rejects_the_stream_with_its_line(
    catalog: Api, sqlstate, row: tuple[Any, ...], state: str
) -> None:
    t = catalog.tenant()
    good = (1, t, "calls", 1, "good", None, None)
    bad = tuple(t if v == "T" else v for v in row)
    with pytest.raises(psycopg.Error) as info:
        stream(catalog, [good, bad])
    assert sqlstate(info) == state
    assert info.value.diag.message_detail == "line 7"
    assert catalog.entitlement(t, "calls")["used"] == 0  # nothing written


def test_a_key_reused_for_another_request_rejects_the_stream(catalog: Api, sqlstate) -> None:
    t = catalog.tenant()
    catalog.consume(t, "calls", 1, "used-by-consume")
    for rows in (
        [(1, t, "calls", 1, "x", None, None), (2, t, "calls", 2, "x", None, None)],
        [(1, t, "calls", 1, "y", None, None), (5, t, "calls", 1, "used-by-consume", None, None)],
    ):
        with pytest.raises(psycopg.Error) as info:
            stream(catalog, rows)
        assert sqlstate(info) == "RC006"
    assert info.value.diag.message_detail == "line 5"
    assert catalog.entitlement(t, "calls")["used"] == 1


def test_merge_without_an_open_stream_is_refused(catalog: Api, sqlstate) -> None:
    with pytest.raises(psycopg.Error) as info:
        catalog.service("select * from api.merge_usage_stream()")
    assert sqlstate(info) == "RC005"


def test_the_staging_table_is_private_to_the_session_and_insert_only(catalog: Api) -> None:
    conn = catalog.conn
    with conn.transaction():
        conn.execute("set local role ratecard_service")
        conn.execute("select api.open_usage_stream()")
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
            conn.execute("select * from pg_temp.usage_stream")
