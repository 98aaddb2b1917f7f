"""Retries never count twice: a proxy between the HTTP clients and the real API loses
answers after the API has committed, answers 502 or 429, or stalls; the database says
what was counted."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flaky_proxy import Proxy, Seen, first_attempt
from ratecard_client import (
    AsyncRatecardClient,
    RatecardClient,
    RatecardUnavailable,
    RateLimited,
    Retry,
    UsageBatchResult,
    UsageEvent,
)
from rc_support import FAST_RETRY, Ratecard


@pytest.fixture
def proxy(ratecard: Ratecard) -> Iterator[Proxy]:
    p = Proxy(ratecard.url)
    yield p
    p.close()


@pytest.fixture
def client(proxy: Proxy, ratecard: Ratecard) -> Iterator[RatecardClient]:
    with RatecardClient(proxy.url, ratecard.key, retry=FAST_RETRY) as c:
        yield c


def test_a_lost_answer_is_retried_with_the_same_key_and_counted_once(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    proxy.plan = first_attempt("drop")
    answers = [client.consume(ratecard.acme, "ai_decisions") for _ in range(10)]
    # Each first try was committed, then its answer lost; the retry replayed it.
    assert [a.used for a in answers] == list(range(1, 11))
    assert all(a.allowed and a.duplicate for a in answers)
    assert ratecard.meter(ratecard.acme, "ai_decisions") == 10
    assert ratecard.ledger(ratecard.acme, "ai_decisions") == (10, 10)
    keys = [s.headers["idempotency-key"] for s in proxy.seen]
    assert proxy.actions() == ["drop", "pass"] * 10
    assert keys[0::2] == keys[1::2] == [a.idempotency_key for a in answers]


def test_a_keyless_consume_is_not_repeated_once_it_reached_the_server(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    """Without a key a retry could count twice, so a lost answer is raised instead."""
    proxy.plan = first_attempt("drop")
    with pytest.raises(RatecardUnavailable) as err:
        client.consume(ratecard.acme, "api_calls_hourly", idempotent=False)
    assert err.value.code == "connection_error"
    assert proxy.actions() == ["drop"]
    assert ratecard.meter(ratecard.acme, "api_calls_hourly") == 1  # counted once, not lost
    proxy.plan = lambda s, seen: "429" if len(seen) == 1 else "pass"  # refused before any work
    c = client.consume(ratecard.acme, "api_calls_hourly", idempotent=False)
    assert (c.used, proxy.actions()[1:]) == (2, ["429", "pass"])


def test_a_502_after_the_commit_is_retried_and_counted_once(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    proxy.plan = first_attempt("502")
    c = client.consume(ratecard.acme, "api_calls_hourly", 5)
    assert (c.allowed, c.duplicate, c.used) == (True, True, 5)
    assert proxy.actions() == ["502", "pass"]
    assert ratecard.meter(ratecard.acme, "api_calls_hourly") == 5


def test_concurrent_calls_with_lost_answers_count_exactly(proxy: Proxy, ratecard: Ratecard) -> None:
    """40 concurrent consumes from the asyncio client; the proxy loses about half of the
    answers (after the commit) and answers 502 to a few more. Each request's own tries
    decide (its idempotency key and try number), never the order in which concurrent
    requests happen to reach the proxy, and every request's fourth try passes, well
    within the client's eight."""

    def plan(s: Seen, seen: list[Seen]) -> str:
        key = s.headers.get("idempotency-key", "")
        tries = sum(1 for x in seen if x.headers.get("idempotency-key") == key)
        if tries >= 3:
            return "pass"
        return random.Random(f"{key}/{tries}").choice(["drop", "drop", "502", "pass", "pass"])

    proxy.plan = plan

    async def run() -> list[Any]:
        retry = Retry(attempts=8, backoff=0.005, max_backoff=0.02)
        async with AsyncRatecardClient(proxy.url, ratecard.key, retry=retry) as c:
            return await asyncio.gather(
                *(c.consume(ratecard.globex, "ai_decisions") for _ in range(40))
            )

    answers = asyncio.run(run())
    assert all(a.allowed for a in answers)
    assert sorted(a.used for a in answers) == list(range(1, 41))
    assert ratecard.meter(ratecard.globex, "ai_decisions") == 40
    assert ratecard.ledger(ratecard.globex, "ai_decisions") == (40, 40)
    assert proxy.actions().count("drop") > 5  # the proxy did lose answers


def test_a_lost_batch_answer_is_retried_and_its_events_counted_once(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    events = [UsageEvent(ratecard.acme, "api_calls", i + 1, f"ev-{i}") for i in range(25)]

    def plan(s: Seen, seen: list[Seen]) -> str:
        return "drop" if len(seen) == 1 else "pass"  # lose the answer to the second part

    proxy.plan = plan
    result = client.record_usage_batch(events, max_events=10)
    # The second part was recorded by its lost try; its retry found 10 duplicates.
    assert result == UsageBatchResult(accepted=15, duplicates=10, requests=3)
    assert proxy.actions() == ["pass", "drop", "pass", "pass"]
    assert ratecard.ledger(ratecard.acme, "api_calls") == (25, sum(range(1, 26)))


def test_creating_a_tenant_is_not_repeated_once_it_reached_the_server(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    proxy.plan = first_attempt("drop")
    with pytest.raises(RatecardUnavailable) as err:
        client.create_tenant("Only Once Ltd")
    assert err.value.code == "connection_error"
    assert proxy.actions() == ["drop"]
    assert ratecard.scalar("select count(*) from core.tenants where name = 'Only Once Ltd'") == 1


def test_429_waits_for_retry_after_then_goes_on(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    proxy.plan = first_attempt("429")
    proxy.retry_after = "0"
    assert client.consume(ratecard.acme, "ai_decisions").duplicate is False  # not forwarded
    assert proxy.actions() == ["429", "pass"]
    assert ratecard.meter(ratecard.acme, "ai_decisions") == 1


def test_a_retry_after_too_long_to_wait_is_raised_at_once(
    proxy: Proxy, client: RatecardClient, ratecard: Ratecard
) -> None:
    proxy.plan = lambda s, seen: "429"
    proxy.retry_after = "3600"
    with pytest.raises(RateLimited) as err:
        client.check(ratecard.acme, "sso")
    assert (err.value.status, err.value.code, err.value.retry_after) == (429, "rate_limited", 3600)
    assert proxy.actions() == ["429"]


def test_a_stalled_answer_times_out_and_is_retried(proxy: Proxy, ratecard: Ratecard) -> None:
    proxy.plan = lambda s, seen: "stall"
    with (
        RatecardClient(
            proxy.url, ratecard.key, timeout=0.2, retry=Retry(attempts=2, backoff=0.01)
        ) as c,
        pytest.raises(RatecardUnavailable) as err,
    ):
        c.consume(ratecard.acme, "ai_decisions")
    assert err.value.code == "timeout"
    assert proxy.actions() == ["stall", "stall"]
    keys = {s.headers["idempotency-key"] for s in proxy.seen}
    assert len(keys) == 1


def test_nobody_listening_is_unavailable_after_the_retries(ratecard: Ratecard) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
        with (
            RatecardClient(url, ratecard.key, retry=FAST_RETRY) as c,
            pytest.raises(RatecardUnavailable) as err,
        ):
            c.create_tenant("Never Sent")  # never sent, so even this is retried
    assert (err.value.code, err.value.status) == ("connection_error", None)
