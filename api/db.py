"""The HTTP layer's database access: one pool, one transaction and one SQL call per request.

The pool logs in as ratecard_authenticator (LOGIN NOINHERIT, no privileges of its own). Each
request opens a transaction, switches with SET LOCAL ROLE to the role its credentials allow,
sets the tenant in the transaction-local `ratecard.tenant_id` where it has one, and runs
exactly one statement. The three are sent in one pipeline, so a request costs one round trip.
"""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

Role = Literal["ratecard_service", "ratecard_tenant", "ratecard_admin", "ratecard_authenticator"]

_SET_ROLE = {
    "ratecard_service": "set local role ratecard_service",
    "ratecard_tenant": "set local role ratecard_tenant",
    "ratecard_admin": "set local role ratecard_admin",
}


def make_pool(conninfo: str, min_size: int = 2, max_size: int = 10) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        conninfo,
        min_size=min_size,
        max_size=max_size,
        open=False,
        timeout=5.0,
        kwargs={"autocommit": False},
        name="ratecard-api",
    )


async def _run(
    conn: AsyncConnection[Any],
    query: str,
    params: tuple[Any, ...] | dict[str, Any],
    role: Role,
    tenant_id: str | None,
) -> list[dict[str, Any]]:
    async with conn.pipeline(), conn.transaction():
        if role in _SET_ROLE:
            await conn.execute(_SET_ROLE[role])
        if tenant_id is not None:
            await conn.execute("select set_config('ratecard.tenant_id', %s, true)", (tenant_id,))
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(query, params)
        rows = await cur.fetchall()
    return rows


async def fetch(
    pool: AsyncConnectionPool,
    query: str,
    params: tuple[Any, ...] | dict[str, Any] = (),
    *,
    role: Role = "ratecard_service",
    tenant_id: str | None = None,
) -> list[dict[str, Any]]:
    """Run one statement as `role` in its own transaction; return all rows as dicts."""
    async with pool.connection() as conn:
        return await _run(conn, query, params, role, tenant_id)


async def fetch_one(
    pool: AsyncConnectionPool,
    query: str,
    params: tuple[Any, ...] | dict[str, Any] = (),
    *,
    role: Role = "ratecard_service",
    tenant_id: str | None = None,
) -> dict[str, Any] | None:
    rows = await fetch(pool, query, params, role=role, tenant_id=tenant_id)
    return rows[0] if rows else None
