"""RatecardClient and AsyncRatecardClient: Ratecard's service API over HTTP (httpx).

Each client holds one httpx connection pool for its whole life: create one per process
(or per event loop) and close it at the end (`with` / `async with`, or `close()`).

    client = RatecardClient("http://127.0.0.1:8080", api_key="rc_…")
    c = client.consume(tenant_id, "ai_decisions")     # an idempotency key per call
    if not c.allowed: ...

Errors are RatecardError subclasses carrying the API's stable `code`; see errors.py.
Retries: see retry.py.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import httpx

from ratecard_client import _calls as calls
from ratecard_client._version import __version__
from ratecard_client.errors import RatecardError, RatecardUnavailable, from_answer
from ratecard_client.retry import Retry, parse_retry_after
from ratecard_client.types import (
    BillingSession,
    Consumption,
    Entitlement,
    StorageUsage,
    TrackedObject,
    Upload,
    UsageBatchResult,
    UsageEvent,
)

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0, pool=2.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


def _settings(base_url: str | None, api_key: str | None) -> tuple[str, str]:
    url = base_url or os.environ.get("RATECARD_URL")
    key = api_key or os.environ.get("RATECARD_API_KEY")
    if not url:
        raise ValueError("no Ratecard URL: pass base_url or set RATECARD_URL")
    if not key:
        raise ValueError("no API key: pass api_key or set RATECARD_API_KEY")
    return url.rstrip("/"), key


def _headers(api_key: str, extra: dict[str, str] | None) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {api_key}",
        "User-Agent": f"ratecard-client-python/{__version__}",
        **(extra or {}),
    }


class _Failure:
    """One failed try: the error to raise, whether to try again, and how soon."""

    __slots__ = ("error", "reached_server", "retry_after", "retryable")

    def __init__(
        self,
        error: RatecardError,
        *,
        retryable: bool,
        reached_server: bool,
        retry_after: float | None = None,
    ) -> None:
        self.error = error
        self.retryable = retryable
        self.reached_server = reached_server
        self.retry_after = retry_after


def _from_exception(exc: httpx.HTTPError) -> _Failure:
    # A request that failed while connecting (or waiting for a pooled connection) never
    # reached the server; anything later might have.
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    code = "timeout" if isinstance(exc, httpx.TimeoutException) else "connection_error"
    retryable = isinstance(exc, httpx.TransportError)
    error = RatecardUnavailable(code, f"{type(exc).__name__}: {exc}" if str(exc) else code)
    return _Failure(error, retryable=retryable, reached_server=not never_sent)


def _from_response(resp: httpx.Response) -> _Failure:
    try:
        body: Any = resp.json()
    except ValueError:
        body = resp.text
    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
    error = from_answer(resp.status_code, body, retry_after)
    retryable = resp.status_code >= 500 or resp.status_code == 429
    # A 429 was refused before any work; a 5xx may have come after a commit.
    return _Failure(
        error,
        retryable=retryable,
        reached_server=resp.status_code != 429,
        retry_after=retry_after if resp.status_code in (429, 503) else None,
    )


def _parse(call: calls.Call[T], resp: httpx.Response) -> T:
    try:
        return call.parse(resp.json())
    except (ValueError, KeyError, TypeError) as exc:
        raise RatecardError(
            "invalid_response",
            f"unexpected answer to {call.method} {call.path}: {exc}",
            status=resp.status_code,
        ) from exc


def _next_delay(retry: Retry, call: calls.Call[Any], attempt: int, f: _Failure) -> float | None:
    if not f.retryable or (f.reached_server and not call.repeatable):
        return None
    return retry.delay(attempt, f.retry_after)


class RatecardClient:
    """Blocking client. Thread-safe: share one per process."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        url, key = _settings(base_url, api_key)
        self.retry = retry or Retry()
        self._http = httpx.Client(
            base_url=url,
            headers=_headers(key, headers),
            timeout=timeout,
            limits=limits,
            transport=transport,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: calls.Call[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._http.request(
                    call.method,
                    call.path,
                    json=call.json,
                    content=call.content,
                    headers=call.headers,
                )
            except httpx.HTTPError as exc:
                failure = _from_exception(exc)
            else:
                if resp.status_code < 400:
                    return _parse(call, resp)
                failure = _from_response(resp)
            delay = _next_delay(self.retry, call, attempt, failure)
            if delay is None:
                raise failure.error
            time.sleep(delay)

    def check(self, tenant_id: UUID | str, feature: str, amount: int = 1) -> bool:
        """May the tenant use `amount` more of `feature` now? For a switch: is it on?
        Changes nothing."""
        return self._send(calls.check(tenant_id, feature, amount))

    def consume(
        self,
        tenant_id: UUID | str,
        feature: str,
        amount: int = 1,
        *,
        idempotency_key: str | None = None,
        idempotent: bool = True,
    ) -> Consumption:
        """Check the limit and count `amount` in one step. A denial is a Consumption with
        `allowed` False, not an error. Every retry reuses one idempotency key (generated
        unless given), so a retried call is never counted twice.

        `idempotent=False` sends no key: Ratecard then writes no key row, which for a
        non-durable counter (an hourly rate limit) saves the commit's WAL flush. Such a
        call is retried only when it surely never reached Ratecard, so it is still never
        counted twice; an answer lost after that raises RatecardUnavailable instead."""
        key = calls.consume_key(idempotency_key, idempotent)
        return self._send(calls.consume(tenant_id, feature, amount, key))

    def record_usage(
        self,
        tenant_id: UUID | str,
        feature: str,
        amount: int,
        *,
        idempotency_key: str | None = None,
        occurred_at: Any = None,
        properties: dict[str, Any] | None = None,
    ) -> bool:
        """Record usage that already happened (no limit check). True if counted now,
        False if Ratecard had already counted this idempotency key."""
        event = UsageEvent(tenant_id, feature, amount, idempotency_key, occurred_at, properties)
        return self.record_usage_batch([event]).accepted == 1

    def record_usage_batch(
        self, events: Iterable[UsageEvent], *, max_events: int = calls.MAX_BATCH_EVENTS
    ) -> UsageBatchResult:
        """Record many events, each once by its idempotency key, split into requests of at
        most `max_events` (10,000, the API's limit) and 8 MiB. Each part is atomic; the
        whole is not: if a part fails, UsageBatchError says what was recorded before it."""
        total = UsageBatchResult()
        offset = 0
        for part in calls.split_events(events, max_events):
            try:
                total += self._send(calls.usage(part))
            except RatecardError as err:
                raise calls.batch_error(err, total, offset) from err
            offset += len(part)
        return total

    def ingest(
        self, events: Iterable[UsageEvent], *, max_bytes: int = calls.MAX_STREAM_BYTES
    ) -> UsageBatchResult:
        """Bulk ingestion: events as NDJSON to POST /v1/usage/stream, in bodies of at most
        `max_bytes` (64 MiB, about 300,000 events). Each body is recorded all or none by
        one set-based merge (COPY into a staging table); keys are fixed before sending, so
        a retried or repeated body counts nothing twice. If a body fails, UsageBatchError
        says what was recorded before it and which event failed."""
        total = UsageBatchResult()
        offset = 0
        for count, body in calls.split_stream(events, max_bytes):
            try:
                total += self._send(calls.usage_stream(body))
            except RatecardError as err:
                raise calls.stream_error(err, total, offset) from err
            offset += count
        return total

    def create_tenant(
        self, name: str, *, email: str | None = None, plan: str | None = None
    ) -> UUID:
        """Create a tenant (on `plan`, or the default plan); its id."""
        return self._send(calls.create_tenant(name, email, plan))

    def entitlements(self, tenant_id: UUID | str) -> list[Entitlement]:
        return self._send(calls.entitlements(tenant_id))

    def entitlement(self, tenant_id: UUID | str, feature: str) -> Entitlement:
        return self._send(calls.entitlement(tenant_id, feature))

    def track_object(
        self, tenant_id: UUID | str, object_key: str, size_bytes: int, category: str = "upload"
    ) -> TrackedObject:
        """Check the storage limit before an upload and track the object (tracking a key
        again replaces its size). A denial is `allowed` False and records nothing."""
        return self._send(calls.track_object(tenant_id, object_key, size_bytes, category))

    def forget_object(self, tenant_id: UUID | str, object_key: str) -> int:
        """The object was deleted: release its bytes; returns how many (0 when the key was
        not tracked, so a retried delete may answer 0 although the first one released)."""
        return self._send(calls.forget_object(tenant_id, object_key))

    def create_upload(
        self,
        tenant_id: UUID | str,
        size_bytes: int,
        *,
        file_name: str | None = None,
        object_key: str | None = None,
        category: str | None = None,
        content_type: str | None = None,
    ) -> Upload:
        """Check the storage limit for an upload of exactly `size_bytes` and get an S3
        presigned POST for it (give `file_name` and `category`, or an `object_key` of the
        tenant's). Over the limit: StorageLimitExceeded, nothing reserved."""
        return self._send(
            calls.create_upload(
                tenant_id,
                size_bytes,
                file_name=file_name,
                object_key=object_key,
                category=category,
                content_type=content_type,
            )
        )

    def storage_usage(self, tenant_id: UUID | str) -> StorageUsage:
        return self._send(calls.storage_usage(tenant_id))

    def billing_session(
        self,
        tenant_id: UUID | str,
        *,
        ttl_seconds: int | None = None,
        return_url: str | None = None,
    ) -> BillingSession:
        """A single-use link to the tenant's billing page, valid `ttl_seconds` (60 to
        3600, default 900); `return_url` is where the page's back link goes."""
        return self._send(calls.billing_session(tenant_id, ttl_seconds, return_url))


class AsyncRatecardClient:
    """asyncio client, the same methods as RatecardClient. Create it inside the event loop
    that uses it (e.g. in an app's lifespan) and `await client.aclose()` at the end."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url, key = _settings(base_url, api_key)
        self.retry = retry or Retry()
        self._http = httpx.AsyncClient(
            base_url=url,
            headers=_headers(key, headers),
            timeout=timeout,
            limits=limits,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: calls.Call[T]) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = await self._http.request(
                    call.method,
                    call.path,
                    json=call.json,
                    content=call.content,
                    headers=call.headers,
                )
            except httpx.HTTPError as exc:
                failure = _from_exception(exc)
            else:
                if resp.status_code < 400:
                    return _parse(call, resp)
                failure = _from_response(resp)
            delay = _next_delay(self.retry, call, attempt, failure)
            if delay is None:
                raise failure.error
            await asyncio.sleep(delay)

    async def check(self, tenant_id: UUID | str, feature: str, amount: int = 1) -> bool:
        return await self._send(calls.check(tenant_id, feature, amount))

    async def consume(
        self,
        tenant_id: UUID | str,
        feature: str,
        amount: int = 1,
        *,
        idempotency_key: str | None = None,
        idempotent: bool = True,
    ) -> Consumption:
        key = calls.consume_key(idempotency_key, idempotent)
        return await self._send(calls.consume(tenant_id, feature, amount, key))

    async def record_usage(
        self,
        tenant_id: UUID | str,
        feature: str,
        amount: int,
        *,
        idempotency_key: str | None = None,
        occurred_at: Any = None,
        properties: dict[str, Any] | None = None,
    ) -> bool:
        event = UsageEvent(tenant_id, feature, amount, idempotency_key, occurred_at, properties)
        return (await self.record_usage_batch([event])).accepted == 1

    async def record_usage_batch(
        self, events: Iterable[UsageEvent], *, max_events: int = calls.MAX_BATCH_EVENTS
    ) -> UsageBatchResult:
        total = UsageBatchResult()
        offset = 0
        for part in calls.split_events(events, max_events):
            try:
                total += await self._send(calls.usage(part))
            except RatecardError as err:
                raise calls.batch_error(err, total, offset) from err
            offset += len(part)
        return total

    async def ingest(
        self, events: Iterable[UsageEvent], *, max_bytes: int = calls.MAX_STREAM_BYTES
    ) -> UsageBatchResult:
        """As RatecardClient.ingest."""
        total = UsageBatchResult()
        offset = 0
        for count, body in calls.split_stream(events, max_bytes):
            try:
                total += await self._send(calls.usage_stream(body))
            except RatecardError as err:
                raise calls.stream_error(err, total, offset) from err
            offset += count
        return total

    async def create_tenant(
        self, name: str, *, email: str | None = None, plan: str | None = None
    ) -> UUID:
        return await self._send(calls.create_tenant(name, email, plan))

    async def entitlements(self, tenant_id: UUID | str) -> list[Entitlement]:
        return await self._send(calls.entitlements(tenant_id))

    async def entitlement(self, tenant_id: UUID | str, feature: str) -> Entitlement:
        return await self._send(calls.entitlement(tenant_id, feature))

    async def track_object(
        self, tenant_id: UUID | str, object_key: str, size_bytes: int, category: str = "upload"
    ) -> TrackedObject:
        return await self._send(calls.track_object(tenant_id, object_key, size_bytes, category))

    async def forget_object(self, tenant_id: UUID | str, object_key: str) -> int:
        return await self._send(calls.forget_object(tenant_id, object_key))

    async def create_upload(
        self,
        tenant_id: UUID | str,
        size_bytes: int,
        *,
        file_name: str | None = None,
        object_key: str | None = None,
        category: str | None = None,
        content_type: str | None = None,
    ) -> Upload:
        return await self._send(
            calls.create_upload(
                tenant_id,
                size_bytes,
                file_name=file_name,
                object_key=object_key,
                category=category,
                content_type=content_type,
            )
        )

    async def storage_usage(self, tenant_id: UUID | str) -> StorageUsage:
        return await self._send(calls.storage_usage(tenant_id))

    async def billing_session(
        self,
        tenant_id: UUID | str,
        *,
        ttl_seconds: int | None = None,
        return_url: str | None = None,
    ) -> BillingSession:
        """See RatecardClient.billing_session."""
        return await self._send(calls.billing_session(tenant_id, ttl_seconds, return_url))
