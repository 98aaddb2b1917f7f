"""The HTTP layer's database access: one pool, and one SQL call per request.

The pool logs in as ratecard_authenticator (LOGIN NOINHERIT, no privileges of its own) in
autocommit mode. A request's work is one message to PostgreSQL built by ratecard.sqlcall
(the one way Python calls SQL): SET LOCAL ROLE, the tenant setting when there is one, and
the statement, as one implicit transaction. The connection goes back to the pool idle, as
the authenticator, with no setting left behind.

Routes call `fetch_as_caller` / `fetch_one_as_caller`, which run the statement under the
role (and tenant) of the API key the router's guard resolved; the few routes that act
under another role (billing commands run as ratecard_service for the key's own tenant,
health checks as the authenticator) call `fetch` / `fetch_one` with the role spelled out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from psycopg_pool import AsyncConnectionPool

from ratecard.sqlcall import Params, Role, Row, acall, acopy_call, one

if TYPE_CHECKING:
    from litestar import Request


def make_pool(conninfo: str, min_size: int = 2, max_size: int = 10) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        conninfo,
        min_size=min_size,
        max_size=max_size,
        open=False,
        timeout=5.0,
        # Each request is one self-contained simple query (its own implicit transaction).
        kwargs={"autocommit": True},
        name="ratecard-api",
    )


async def fetch(
    pool: AsyncConnectionPool,
    query: str,
    params: Params | None = None,
    *,
    role: Role,
    tenant_id: str | None = None,
) -> list[Row]:
    """Run one statement as `role` in its own transaction; return all rows as dicts."""
    async with pool.connection() as conn:
        return await acall(conn, query, params, role=role, tenant_id=tenant_id)


async def fetch_one(
    pool: AsyncConnectionPool,
    query: str,
    params: Params | None = None,
    *,
    role: Role,
    tenant_id: str | None = None,
) -> Row | None:
    """The first row, or None when the statement returns none."""
    rows = await fetch(pool, query, params, role=role, tenant_id=tenant_id)
    return rows[0] if rows else None


async def fetch_as_caller(
    request: Request[Any, Any, Any], query: str, params: Params | None = None
) -> list[Row]:
    """Run one statement under the role (and tenant) of the key a guard resolved."""
    caller = request.scope["auth"]  # type: ignore[typeddict-item]
    return await fetch(
        request.app.state.pool,
        query,
        params,
        role=caller.db_role,
        tenant_id=caller.tenant_setting,
    )


async def fetch_one_as_caller(
    request: Request[Any, Any, Any], query: str, params: Params | None = None
) -> Row:
    """As fetch_as_caller, for statements that always return exactly one row."""
    return one(await fetch_as_caller(request, query, params), request.url.path)


async def copy_as_caller(
    request: Request[Any, Any, Any],
    before: str,
    copy: str,
    rows: Iterable[Sequence[Any]],
    after: str,
) -> list[Row]:
    """Bulk ingestion (ratecard.sqlcall.acopy_call): `before`, COPY `rows`, `after`, in one
    transaction under the caller's role. The one route that is not a single statement:
    COPY cannot share a message with other statements."""
    caller = request.scope["auth"]  # type: ignore[typeddict-item]
    async with request.app.state.pool.connection() as conn:
        return await acopy_call(conn, before, copy, rows, after, role=caller.db_role)
