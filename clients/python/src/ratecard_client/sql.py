"""SqlClient and AsyncSqlClient: the same calls and types as the HTTP clients, straight
over a psycopg 3 connection or pool, for services that reach Ratecard's PostgreSQL.

    pool = ConnectionPool(url, kwargs={"autocommit": True})
    client = SqlClient(pool)                # or SqlClient(connection)
    client.consume(tenant_id, "ai_decisions")

Each call is one round trip: `SET LOCAL ROLE <role>` and the api.* function travel as
one simple query, which PostgreSQL runs as one implicit transaction, so the role ends
with the call and nothing is left on a pooled connection. The connection must therefore
be in autocommit mode (a connection inside a transaction is refused, since SET LOCAL
would outlive the call). Its login must be allowed to SET ROLE to `role`
(ratecard_service by default; ratecard_authenticator is, and so is the owner); pass
`role=None` for a login that may call api.* itself.

Install with the `sql` extra (`pip install ratecard-client[sql]`). Errors raise the same
RatecardError classes and codes as the HTTP API (the SQLSTATE is looked up in _codes.py);
a connection failure is RatecardUnavailable `database_unavailable`. Nothing is retried
here: a statement either ran or raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg
from psycopg import AsyncClientCursor, AsyncConnection, ClientCursor, Connection, sql
from psycopg.rows import dict_row

from ratecard_client import _calls as calls
from ratecard_client import queries as q
from ratecard_client._codes import SQLSTATE_CODES
from ratecard_client.errors import (
    RatecardError,
    RatecardUnavailable,
    error_class,
)
from ratecard_client.types import (
    Consumption,
    Entitlement,
    StorageUsage,
    TrackedObject,
    UsageBatchResult,
    UsageEvent,
    as_uuid,
)

Row = dict[str, Any]


class NotAutocommit(ValueError):
    """The connection is inside a transaction: SET LOCAL ROLE would outlive the call."""


def map_error(exc: psycopg.Error) -> RatecardError:
    """The RatecardError for a database error: the HTTP API's status and code."""
    diag = exc.diag
    message = diag.message_primary or str(exc)
    state = exc.sqlstate
    if state in SQLSTATE_CODES:
        status, code = SQLSTATE_CODES[state]
        return error_class(status, code)(
            code, message, status=status, detail=diag.message_detail, hint=diag.message_hint
        )
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return RatecardUnavailable("database_unavailable", message, status=503)
    return RatecardError("internal_error", message, status=500, detail={"sqlstate": state})


def _message(conn: Connection[Any] | AsyncConnection[Any], query: str, role: str | None) -> str:
    if not conn.autocommit:
        raise NotAutocommit("SqlClient needs connections in autocommit mode")
    if role is None:
        return query
    return sql.SQL("set local role {}; ").format(sql.Identifier(role)).as_string(conn) + query


def _usage_json(part: list[dict[str, Any]]) -> str:
    return json.dumps(part, separators=(",", ":"))


class SqlClient:
    """Blocking SQL client over a psycopg Connection or psycopg_pool.ConnectionPool."""

    def __init__(self, source: Any, *, role: str | None = "ratecard_service") -> None:
        self._source = source
        self._is_pool = hasattr(source, "connection") and not isinstance(source, Connection)
        self.role = role

    def _run(self, conn: Connection[Any], query: str, params: tuple[Any, ...]) -> list[Row]:
        cur = ClientCursor(conn, row_factory=dict_row)
        cur.execute(_message(conn, query, self.role), params)
        while cur.nextset():  # the rows of the last statement (SET ROLE comes first)
            pass
        return cur.fetchall() if cur.description else []

    def _call(self, query: str, *params: Any) -> list[Row]:
        try:
            if self._is_pool:
                with self._source.connection() as conn:
                    return self._run(conn, query, params)
            return self._run(self._source, query, params)
        except psycopg.Error as exc:
            raise map_error(exc) from exc

    def check(self, tenant_id: UUID | str, feature: str, amount: int = 1) -> bool:
        return bool(self._call(q.CHECK_QUOTA, as_uuid(tenant_id), feature, amount)[0]["allowed"])

    def consume(
        self,
        tenant_id: UUID | str,
        feature: str,
        amount: int = 1,
        *,
        idempotency_key: str | None = None,
        idempotent: bool = True,
    ) -> Consumption:
        key = calls.consume_key(idempotency_key, idempotent)
        row = self._call(q.CONSUME, as_uuid(tenant_id), feature, amount, key)[0]
        return Consumption.from_row(row, key)

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
        event = UsageEvent(tenant_id, feature, amount, idempotency_key, occurred_at, properties)
        return self.record_usage_batch([event]).accepted == 1

    def record_usage_batch(
        self, events: Iterable[UsageEvent], *, max_events: int = calls.MAX_BATCH_EVENTS
    ) -> UsageBatchResult:
        total = UsageBatchResult()
        offset = 0
        for part in calls.split_events(events, max_events):
            try:
                row = self._call(q.RECORD_USAGE_BATCH, _usage_json(part))[0]
            except RatecardError as err:
                raise calls.batch_error(err, total, offset) from err
            total += UsageBatchResult.from_row(row)
            offset += len(part)
        return total

    def create_tenant(
        self, name: str, *, email: str | None = None, plan: str | None = None
    ) -> UUID:
        return as_uuid(self._call(q.CREATE_TENANT, name, email, plan)[0]["tenant_id"])

    def entitlements(self, tenant_id: UUID | str) -> list[Entitlement]:
        return [
            Entitlement.from_row(r) for r in self._call(q.LIST_ENTITLEMENTS, as_uuid(tenant_id))
        ]

    def entitlement(self, tenant_id: UUID | str, feature: str) -> Entitlement:
        return Entitlement.from_row(self._call(q.GET_ENTITLEMENT, as_uuid(tenant_id), feature)[0])

    def track_object(
        self, tenant_id: UUID | str, object_key: str, size_bytes: int, category: str = "upload"
    ) -> TrackedObject:
        row = self._call(q.TRACK_OBJECT, as_uuid(tenant_id), object_key, size_bytes, category)
        return TrackedObject.from_row(row[0])

    def forget_object(self, tenant_id: UUID | str, object_key: str) -> int:
        row = self._call(q.FORGET_OBJECT, as_uuid(tenant_id), object_key)[0]
        return int(row["released_bytes"])

    def storage_usage(self, tenant_id: UUID | str) -> StorageUsage:
        rows = self._call(q.STORAGE_USAGE, as_uuid(tenant_id))
        return StorageUsage.from_rows(tenant_id, rows)


class AsyncSqlClient:
    """asyncio SQL client over a psycopg AsyncConnection or AsyncConnectionPool; the same
    methods as SqlClient, awaited."""

    def __init__(self, source: Any, *, role: str | None = "ratecard_service") -> None:
        self._source = source
        self._is_pool = hasattr(source, "connection") and not isinstance(source, AsyncConnection)
        self.role = role

    async def _run(
        self, conn: AsyncConnection[Any], query: str, params: tuple[Any, ...]
    ) -> list[Row]:
        cur = AsyncClientCursor(conn, row_factory=dict_row)
        await cur.execute(_message(conn, query, self.role), params)
        while cur.nextset():
            pass
        return await cur.fetchall() if cur.description else []

    async def _call(self, query: str, *params: Any) -> list[Row]:
        try:
            if self._is_pool:
                async with self._source.connection() as conn:
                    return await self._run(conn, query, params)
            return await self._run(self._source, query, params)
        except psycopg.Error as exc:
            raise map_error(exc) from exc

    async def check(self, tenant_id: UUID | str, feature: str, amount: int = 1) -> bool:
        rows = await self._call(q.CHECK_QUOTA, as_uuid(tenant_id), feature, amount)
        return bool(rows[0]["allowed"])

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
        rows = await self._call(q.CONSUME, as_uuid(tenant_id), feature, amount, key)
        return Consumption.from_row(rows[0], key)

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
                rows = await self._call(q.RECORD_USAGE_BATCH, _usage_json(part))
            except RatecardError as err:
                raise calls.batch_error(err, total, offset) from err
            total += UsageBatchResult.from_row(rows[0])
            offset += len(part)
        return total

    async def create_tenant(
        self, name: str, *, email: str | None = None, plan: str | None = None
    ) -> UUID:
        rows = await self._call(q.CREATE_TENANT, name, email, plan)
        return as_uuid(rows[0]["tenant_id"])

    async def entitlements(self, tenant_id: UUID | str) -> list[Entitlement]:
        rows = await self._call(q.LIST_ENTITLEMENTS, as_uuid(tenant_id))
        return [Entitlement.from_row(r) for r in rows]

    async def entitlement(self, tenant_id: UUID | str, feature: str) -> Entitlement:
        rows = await self._call(q.GET_ENTITLEMENT, as_uuid(tenant_id), feature)
        return Entitlement.from_row(rows[0])

    async def track_object(
        self, tenant_id: UUID | str, object_key: str, size_bytes: int, category: str = "upload"
    ) -> TrackedObject:
        rows = await self._call(
            q.TRACK_OBJECT, as_uuid(tenant_id), object_key, size_bytes, category
        )
        return TrackedObject.from_row(rows[0])

    async def forget_object(self, tenant_id: UUID | str, object_key: str) -> int:
        rows = await self._call(q.FORGET_OBJECT, as_uuid(tenant_id), object_key)
        return int(rows[0]["released_bytes"])

    async def storage_usage(self, tenant_id: UUID | str) -> StorageUsage:
        rows = await self._call(q.STORAGE_USAGE, as_uuid(tenant_id))
        return StorageUsage.from_rows(tenant_id, rows)
