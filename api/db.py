"""The HTTP layer's database access: one pool, one transaction and one SQL call per request.

The pool logs in as ratecard_authenticator (LOGIN NOINHERIT, no privileges of its own). A
request's work is one message to PostgreSQL, a simple query of up to three statements:

    set local role ratecard_service;
    select set_config('ratecard.tenant_id', '<tenant>', true);   -- tenant keys only
    select api.check_quota('…'::uuid, 'ai_decisions'::text, 1::bigint) as allowed

PostgreSQL runs the statements of one simple query as one implicit transaction: SET LOCAL
and the transaction-local setting hold for the call and end with it, an error anywhere
rolls the whole message back, and the connection goes back to the pool idle, as the
authenticator, with no setting left behind. One message means one network round trip.

Parameters are bound client side (psycopg's ClientCursor quotes each value as a literal,
with the connection's escaping rules), because only the simple query protocol accepts
several statements in one message. The queries in api/queries.py cast every placeholder
(`%s::uuid`), so the literal's type never depends on inference. Measured on the check
route, this is about twice as fast as a pipeline of BEGIN, SET, the call and COMMIT over
the extended protocol, even with the call server-side prepared.
"""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.rows import dict_row
from psycopg.sql import Literal as SqlLiteral
from psycopg_pool import AsyncConnectionPool

Role = Literal["ratecard_service", "ratecard_tenant", "ratecard_admin", "ratecard_authenticator"]

_SET_ROLE = {
    "ratecard_service": "set local role ratecard_service; ",
    "ratecard_tenant": "set local role ratecard_tenant; ",
    "ratecard_admin": "set local role ratecard_admin; ",
}


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


async def _run(
    conn: AsyncConnection[Any],
    query: str,
    params: tuple[Any, ...] | dict[str, Any],
    role: Role,
    tenant_id: str | None,
) -> list[dict[str, Any]]:
    prefix = _SET_ROLE.get(role, "")
    skip = 1 if prefix else 0
    if tenant_id is not None:
        tenant = SqlLiteral(tenant_id).as_string(conn).replace("%", "%%")
        prefix += f"select set_config('ratecard.tenant_id', {tenant}, true); "
        skip += 1
    cur = AsyncClientCursor(conn, row_factory=dict_row)
    await cur.execute(prefix + query, params)
    for _ in range(skip):  # the results of SET and set_config come first
        cur.nextset()
    return await cur.fetchall()


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
