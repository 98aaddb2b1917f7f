"""api.record_usage and api.record_usage_batch: unconditional, exactly once
(sql/api/record_usage.sql, sql/api/record_usage_batch.sql)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from tests.sql.conftest import Api


def record(api: Api, tenant, feature: str, amount: int, key: str | None, **kw) -> bool:
    return api.service(
        "select api.record_usage(%s::uuid, %s::text, %s::bigint, %s::text, %s::timestamptz,"
        " %s::jsonb) as ok",
        tenant,
        feature,
        amount,
        key,
        kw.get("at"),
        Jsonb(kw.get("props", {})),
    )[0]["ok"]


def batch(api: Api, events: list[dict]) -> dict:
    return api.service("select * from api.record_usage_batch(%s::jsonb)", Jsonb(events))[0]


def test_record_is_unconditional_and_once(catalog: Api) -> None:
    t = catalog.tenant()
    assert record(catalog, t, "tokens", 900, "r1") is True
    assert record(catalog, t, "tokens", 900, "r1") is False
    assert record(catalog, t, "tokens", 300, "r2", props={"model": "gpt"}) is True
    e = catalog.entitlement(t, "tokens")
    assert (e["used"], e["state"]) == (1200, "over_limit")
    assert (
        catalog.scalar(
            "select properties->>'model' from core.usage_events where idempotency_key = 'r2'"
        )
        == "gpt"
    )


def test_late_event_counts_in_its_own_period(catalog: Api) -> None:
    catalog.set_clock(datetime(2026, 4, 2, tzinfo=UTC))
    t = catalog.tenant()
    record(catalog, t, "calls", 3, "late", at=datetime(2026, 3, 31, 23, tzinfo=UTC))
    assert catalog.entitlement(t, "calls")["used"] == 0
    assert (
        catalog.scalar(
            "select used from core.meters where tenant_id = %s and period_start = '2026-03-01Z'", t
        )
        == 3
    )


@pytest.mark.parametrize(
    ("feature", "amount", "key", "state"),
    [
        ("tokens", 1, None, "RC019"),
        ("tokens", 0, "k", "RC004"),
        ("members", 1, "k", "RC009"),
        ("nope", 1, "k", "RC002"),
    ],
)
def test_record_errors_change_nothing(catalog: Api, sqlstate, feature, amount, key, state) -> None:
    t = catalog.tenant()
    with pytest.raises(psycopg.Error) as info:
        record(catalog, t, feature, amount, key)
    assert sqlstate(info) == state
    assert catalog.scalar("select count(*) from core.idempotency_keys") == 0


def test_batch_counts_each_key_once(catalog: Api) -> None:
    a, b = catalog.tenant(), catalog.tenant()
    events = [
        {"tenant_id": str(a), "feature": "tokens", "amount": 10, "idempotency_key": "e1"},
        {"tenant_id": str(a), "feature": "tokens", "amount": 10, "idempotency_key": "e1"},
        {
            "tenant_id": str(a),
            "feature": "calls",
            "amount": 2,
            "idempotency_key": "e2",
            "properties": {"path": "/x"},
        },
        {"tenant_id": str(b), "feature": "tokens", "amount": 995, "idempotency_key": "e1"},
        {"tenant_id": str(b), "feature": "hourly", "amount": 4, "idempotency_key": "e3"},
    ]
    assert batch(catalog, events) == {"accepted": 4, "duplicates": 1}
    assert batch(catalog, events) == {"accepted": 0, "duplicates": 5}
    assert catalog.entitlement(a, "tokens")["used"] == 10
    assert catalog.entitlement(a, "calls")["used"] == 2
    assert catalog.entitlement(b, "tokens")["used"] == 995
    assert catalog.entitlement(b, "hourly")["used"] == 4
    ledger = catalog.scalar("select sum(amount) from core.usage_events")
    assert ledger == 10 + 2 + 995  # the non-durable hourly counter has no ledger
    thresholds = catalog.conn.execute(
        "select tenant_id, feature, threshold from core.notifications order by 1, 2, 3"
    ).fetchall()
    assert [(f, th) for tid, f, th in thresholds if tid == b] == [
        ("hourly", 80),
        ("tokens", 80),
        ("tokens", 95),
    ]
    assert [(f, th) for tid, f, th in thresholds if tid == a] == []


def test_batch_soft_limit_starts_grace(catalog: Api) -> None:
    catalog.admin("select api.define_feature('soft_calls', 'metered', 'month')")
    catalog.admin("select api.set_plan_limit('free', 'soft_calls', 100, true, 'soft', 10, '1 day')")
    t = catalog.tenant()
    batch(
        catalog,
        [{"tenant_id": str(t), "feature": "soft_calls", "amount": 105, "idempotency_key": "s1"}],
    )
    e = catalog.entitlement(t, "soft_calls")
    assert (e["state"], e["grace_until"] is not None) == ("over_limit", True)


@pytest.mark.parametrize(
    ("event", "state", "index"),
    [
        ({"feature": "tokens", "amount": 1, "idempotency_key": "x"}, "RC005", 1),
        (
            {"tenant_id": "nope", "feature": "tokens", "amount": 1, "idempotency_key": "x"},
            "RC005",
            1,
        ),
        ({"tenant_id": "T", "feature": "tokens", "amount": -1, "idempotency_key": "x"}, "RC004", 1),
        (
            {"tenant_id": "T", "feature": "tokens", "amount": 1.5, "idempotency_key": "x"},
            "RC004",
            1,
        ),
        ({"tenant_id": "T", "feature": "tokens", "amount": 1}, "RC019", 1),
        (
            {"tenant_id": "T", "feature": "tokens", "amount": 1, "idempotency_key": "x" * 256},
            "RC019",
            1,
        ),
        (
            {"tenant_id": "T", "feature": "tokens", "amount": 1, "idempotency_key": "cl\u00e9"},
            "RC019",
            1,
        ),
        (
            {
                "tenant_id": "T",
                "feature": "tokens",
                "amount": 1,
                "idempotency_key": "x",
                "properties": [1],
            },
            "RC005",
            1,
        ),
        ({"tenant_id": "T", "feature": "nope", "amount": 1, "idempotency_key": "x"}, "RC002", 1),
        (
            {
                "tenant_id": "00000000-0000-0000-0000-000000000000",
                "feature": "tokens",
                "amount": 1,
                "idempotency_key": "x",
            },
            "RC001",
            1,
        ),
        ({"tenant_id": "T", "feature": "members", "amount": 1, "idempotency_key": "x"}, "RC009", 1),
    ],
)
def test_batch_rejects_bad_event_and_writes_nothing(
    catalog: Api, sqlstate, event: dict, state: str, index: int
) -> None:
    t = catalog.tenant()
    good = {"tenant_id": str(t), "feature": "tokens", "amount": 1, "idempotency_key": "ok"}
    bad = json.loads(json.dumps(event).replace('"T"', f'"{t}"'))
    with pytest.raises(psycopg.Error) as info:
        batch(catalog, [good, bad])
    assert sqlstate(info) == state
    assert info.value.diag.message_detail == f"index {index}"
    assert catalog.scalar("select count(*) from core.idempotency_keys") == 0
    assert catalog.scalar("select count(*) from core.meters") == 0


def test_batch_size_and_shape_limits(catalog: Api, sqlstate) -> None:
    for payload in ({"not": "an array"}, [{}] * 10001):
        with pytest.raises(psycopg.Error) as info:
            batch(catalog, payload)  # type: ignore[arg-type]
        assert sqlstate(info) == "RC005"
    assert batch(catalog, []) == {"accepted": 0, "duplicates": 0}
