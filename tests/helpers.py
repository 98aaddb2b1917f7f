"""Helpers to act as Ratecard's roles inside a test transaction."""

from __future__ import annotations

import psycopg


def as_role(conn: psycopg.Connection, role: str) -> None:
    """Switch the current transaction to `role` (SET LOCAL ROLE), as the HTTP layer does."""
    conn.execute(f"set local role {role}")


def as_tenant(conn: psycopg.Connection, tenant_id: object) -> None:
    """Act as ratecard_tenant confined to `tenant_id` for the current transaction."""
    as_role(conn, "ratecard_tenant")
    conn.execute("select set_config('ratecard.tenant_id', %s, true)", (str(tenant_id),))
