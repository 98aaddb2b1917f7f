"""The contract every client keeps: RatecardClient, AsyncRatecardClient (through the API
under uvicorn), SqlClient and AsyncSqlClient (over a pool logged in as the API's login)
return the same types and raise the same codes, on the demo catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from ratecard_client import (
    BillingSession,
    Conflict,
    Consumption,
    Entitlement,
    InvalidRequest,
    NotFound,
    StorageCategory,
    TrackedObject,
    UsageBatchError,
    UsageBatchResult,
    UsageEvent,
)
from rc_support import Ratecard

NOW = datetime(2026, 11, 21, 10, 42, tzinfo=UTC)
MISSING = UUID("00000000-0000-0000-0000-000000000000")


def test_consume_counts_denies_and_answers_when_the_period_resets(
    any_client: Any, demo: Ratecard
) -> None:
    demo.set_clock(NOW)
    c = any_client.consume(demo.acme, "ai_decisions", 80)
    assert c == Consumption(
        allowed=True,
        duplicate=False,
        used=80,
        limit=100,
        remaining=20,
        state="warning",
        resets_at=datetime(2026, 12, 1, tzinfo=UTC),
        idempotency_key=c.idempotency_key,
    )
    assert c.idempotency_key and c.idempotency_key.startswith("rcc-")
    denied = any_client.consume(str(demo.acme), "ai_decisions", 25)  # ids as text too
    assert (denied.allowed, denied.used, denied.remaining) == (False, 80, 20)
    assert denied.idempotency_key != c.idempotency_key  # a new key per call
    hourly = any_client.consume(demo.acme, "api_calls_hourly")
    assert hourly.resets_at == datetime(2026, 11, 21, 11, tzinfo=UTC)
    assert any_client.consume(demo.acme, "members").resets_at is None  # a gauge
    assert demo.meter(demo.acme, "ai_decisions") == 80


def test_consume_with_a_key_counts_once(any_client: Any, demo: Ratecard) -> None:
    first = any_client.consume(demo.acme, "api_calls", 3, idempotency_key="order-7")
    again = any_client.consume(demo.acme, "api_calls", 3, idempotency_key="order-7")
    assert (first.duplicate, again.duplicate, again.used, again.idempotency_key) == (
        False,
        True,
        3,
        "order-7",
    )
    assert demo.ledger(demo.acme, "api_calls") == (1, 3)
    with pytest.raises(Conflict) as err:
        any_client.consume(demo.acme, "api_calls", 4, idempotency_key="order-7")
    assert (err.value.code, err.value.status) == ("idempotency_key_reused", 409)
    assert err.value.hint == "use a new key for a new request"


def test_consume_without_a_key_writes_no_key_row(any_client: Any, demo: Ratecard) -> None:
    c = any_client.consume(demo.acme, "api_calls_hourly", idempotent=False)
    assert (c.allowed, c.used, c.idempotency_key) == (True, 1, None)
    any_client.consume(demo.acme, "api_calls_hourly")
    assert demo.scalar("select count(*) from core.idempotency_keys") == 1  # the keyed one
    assert demo.meter(demo.acme, "api_calls_hourly") == 2


def test_check(any_client: Any, demo: Ratecard) -> None:
    assert any_client.check(demo.acme, "sso") is False  # Starter
    assert any_client.check(demo.initech, "sso") is True  # Enterprise
    assert any_client.check(demo.acme, "ai_decisions", 100) is True
    assert any_client.check(demo.acme, "ai_decisions", 101) is False
    assert demo.meter(demo.acme, "ai_decisions") == 0  # a check counts nothing


def test_errors_carry_the_stable_code(any_client: Any, demo: Ratecard) -> None:
    with pytest.raises(NotFound) as err:
        any_client.consume(MISSING, "ai_decisions")
    assert (err.value.code, err.value.status) == ("tenant_not_found", 404)
    with pytest.raises(NotFound) as err:
        any_client.check(demo.acme, "teleportation")
    assert err.value.code == "feature_not_found"
    with pytest.raises(InvalidRequest) as err:
        any_client.consume(demo.acme, "sso")
    assert (err.value.code, err.value.status) == ("feature_kind_mismatch", 422)
    with pytest.raises(InvalidRequest) as err:
        any_client.consume(demo.acme, "ai_decisions", 0)
    assert err.value.code == "invalid_amount"


def test_record_usage_and_split_batches(any_client: Any, demo: Ratecard) -> None:
    assert any_client.record_usage(demo.acme, "api_calls", 2, idempotency_key="e-0") is True
    assert any_client.record_usage(demo.acme, "api_calls", 2, idempotency_key="e-0") is False
    events = [
        UsageEvent(demo.acme, "api_calls", 1, f"e-{i}", NOW - timedelta(minutes=i), {"i": i})
        for i in range(1, 8)
    ]
    assert any_client.record_usage_batch(events, max_events=3) == UsageBatchResult(7, 0, 3)
    # The same batch again, split differently: every event is a duplicate.
    assert any_client.record_usage_batch(events, max_events=5) == UsageBatchResult(0, 7, 2)
    assert demo.ledger(demo.acme, "api_calls") == (8, 9)
    assert any_client.record_usage_batch([]) == UsageBatchResult(0, 0, 0)


def test_a_failing_part_names_the_event_and_what_was_recorded(
    any_client: Any, demo: Ratecard
) -> None:
    events = [UsageEvent(demo.acme, "api_calls", 1, f"b-{i}") for i in range(5)]
    events[3] = UsageEvent(demo.acme, "teleportation", 1, "b-3")
    with pytest.raises(UsageBatchError) as err:
        any_client.record_usage_batch(events, max_events=2)
    e = err.value
    assert (e.code, e.index, e.offset, e.recorded) == (
        "feature_not_found",
        3,
        2,
        UsageBatchResult(2, 0, 1),
    )
    assert isinstance(e.cause, NotFound)
    assert demo.ledger(demo.acme, "api_calls") == (2, 2)  # the first part only


def test_tenants_and_entitlements(any_client: Any, demo: Ratecard) -> None:
    t = any_client.create_tenant("Client Inc", email="ops@client.example", plan="pro")
    assert isinstance(t, UUID)
    any_client.consume(t, "ai_decisions", 10)
    rows = any_client.entitlements(t)
    assert [e.feature for e in rows] == sorted(e.feature for e in rows)
    ai = next(e for e in rows if e.feature == "ai_decisions")
    assert ai == any_client.entitlement(t, "ai_decisions")
    assert isinstance(ai, Entitlement)
    assert (ai.kind, ai.enabled, ai.limit, ai.used, ai.remaining, ai.source) == (
        "metered",
        True,
        10000,
        10,
        9990,
        "plan",
    )
    assert ai.percent_used == pytest.approx(0.1)
    assert isinstance(ai.period_start, datetime) and ai.period_end > ai.period_start
    sso = any_client.entitlement(t, "sso")
    assert (sso.enabled, sso.state, sso.used, sso.period_start) == (False, "disabled", None, None)
    with pytest.raises(NotFound) as err:
        any_client.create_tenant("Nowhere", plan="platinum")
    assert err.value.code == "tier_not_found"
    with pytest.raises(InvalidRequest):
        any_client.create_tenant("")


def test_storage(any_client: Any, demo: Ratecard) -> None:
    r = any_client.track_object(demo.acme, "docs/q3 report.pdf", 2_000_000)
    assert r == TrackedObject(True, False, 2_000_000, 5_242_880, 3_242_880, "ok")
    assert any_client.track_object(demo.acme, "docs/q3 report.pdf", 2_000_000).duplicate
    big = any_client.track_object(demo.acme, "backups/all.tar", 4_000_000, "backup")
    assert (big.allowed, big.used) == (False, 2_000_000)  # past 5 MiB + 5 %: refused
    usage = any_client.storage_usage(demo.acme)
    assert usage.tenant_id == demo.acme
    assert StorageCategory("upload", 1, 2_000_000) in usage.categories
    assert usage.total_bytes == 2_000_000
    assert any_client.forget_object(demo.acme, "docs/q3 report.pdf") == 2_000_000
    assert any_client.forget_object(demo.acme, "docs/q3 report.pdf") == 0
    assert any_client.storage_usage(demo.acme).total_bytes == 0


@pytest.mark.parametrize("kind", ["http", "async_http"])
def test_billing_session_links_to_the_billing_page(
    kind: str, make_client: Any, ratecard: Ratecard
) -> None:
    """The HTTP clients only: the link names the API's public address, which SQL does not
    know."""
    client = make_client(kind, ratecard.url, ratecard.key)
    link = client.billing_session(ratecard.acme, ttl_seconds=120, return_url="https://app.example/")
    assert isinstance(link, BillingSession)
    assert link.url.startswith(f"{ratecard.url}/billing/enter?token={ratecard.acme}.")
    assert timedelta(seconds=110) < link.expires_at - datetime.now(UTC) <= timedelta(seconds=120)
    assert client.billing_session(str(ratecard.acme)).url != link.url  # a new link each time
    with pytest.raises(InvalidRequest) as err:
        client.billing_session(ratecard.acme, ttl_seconds=5)
    assert err.value.code == "invalid_argument"
    with pytest.raises(NotFound):
        client.billing_session(MISSING)


@pytest.mark.parametrize("kind", ["http", "async_http"])
def test_ingest_streams_ndjson_bodies(
    kind: str, make_client: Any, ratecard: Ratecard, demo: Ratecard
) -> None:
    client = make_client(kind, ratecard.url, ratecard.key)
    events = [
        UsageEvent(demo.acme, "api_calls", 1, f"s-{i}", NOW - timedelta(minutes=i), {"i": i})
        for i in range(1, 41)
    ]
    # about 170 bytes a line: three bodies
    assert client.ingest(events, max_bytes=2500) == UsageBatchResult(40, 0, 3)
    assert client.ingest(events) == UsageBatchResult(0, 40, 1)
    assert demo.ledger(demo.acme, "api_calls") == (40, 40)
    bad = [UsageEvent(demo.acme, "api_calls", 1, f"t-{i}") for i in range(30)]
    bad[20] = UsageEvent(demo.acme, "teleportation", 1, "t-20")
    with pytest.raises(UsageBatchError) as err:
        client.ingest(bad, max_bytes=2000)
    e = err.value
    assert (e.code, e.index, e.recorded.accepted) == ("feature_not_found", 20, e.offset)
    assert e.offset > 0 and e.offset <= 20
