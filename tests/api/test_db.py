"""api/db.py: one message per request, and nothing left behind on a pooled connection."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from api.db import fetch, make_pool
from ratecard.config import AUTHENTICATOR_ROLE, with_user

WHO = (
    "select current_user as who, current_setting('ratecard.tenant_id', true) as tenant,"
    " pg_catalog.txid_current_if_assigned() as xid"
)


def run(dsn: str, steps: list[tuple[str, tuple[Any, ...], str, str | None]]) -> list[Any]:
    """Run the steps one after another on a pool of exactly one connection."""

    async def main() -> list[Any]:
        pool = make_pool(with_user(dsn, AUTHENTICATOR_ROLE), min_size=1, max_size=1)
        await pool.open(wait=True)
        out: list[Any] = []
        try:
            for query, params, role, tenant in steps:
                try:
                    out.append(await fetch(pool, query, params, role=role, tenant_id=tenant))  # type: ignore[arg-type]
                except psycopg.Error as exc:
                    out.append(exc.sqlstate)
        finally:
            await pool.close()
        return out

    return asyncio.run(main())


def test_role_and_tenant_hold_for_the_call_only(dsn: str) -> None:
    out = run(
        dsn,
        [
            (WHO, (), "ratecard_tenant", "6f1c0000-0000-0000-0000-000000000001"),
            (WHO, (), "ratecard_authenticator", None),
            (WHO, (), "ratecard_service", None),
            ("select 1/0 as x", (), "ratecard_admin", "t"),  # fails mid-message
            (WHO, (), "ratecard_authenticator", None),
        ],
    )
    assert out[0] == [
        {"who": "ratecard_tenant", "tenant": "6f1c0000-0000-0000-0000-000000000001", "xid": None}
    ]
    assert out[1][0]["who"] == "ratecard_authenticator" and not out[1][0]["tenant"]
    assert out[2][0]["who"] == "ratecard_service" and not out[2][0]["tenant"]
    assert out[3] == "22012"
    assert out[4][0]["who"] == "ratecard_authenticator" and not out[4][0]["tenant"]


@pytest.mark.parametrize("value", ["it's", "100%", "%s", "back\\slash", "-- comment", "é"])
def test_values_are_quoted(dsn: str, value: str) -> None:
    out = run(
        dsn,
        [("select %s::text as v, current_setting('ratecard.tenant_id') as t", (value,),
          "ratecard_tenant", value)],
    )  # fmt: skip
    assert out == [[{"v": value, "t": value}]]


def test_a_failed_call_writes_nothing(dsn: str, db: psycopg.Connection) -> None:
    """SET, set_config and the call are one implicit transaction."""
    out = run(
        dsn,
        [("select id, 1 / (length(id::text) - 36) from"
          " (select api.create_tenant(%s::text) as id) t", ("Ghost",), "ratecard_service", None)],
    )  # fmt: skip
    assert out == ["22012"]
    assert db.execute("select count(*) from core.tenants where name = 'Ghost'").fetchone() == (0,)
