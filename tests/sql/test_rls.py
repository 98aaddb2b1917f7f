"""Row-level security, proved by enumeration: every table in core is read as one tenant,
which must see none of another tenant's rows and must not be able to write anything."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from tests.helpers import as_role, as_tenant
from tests.sql.conftest import Api


@pytest.fixture
def two_tenants(catalog: Api) -> tuple:
    """Two tenants with rows in every tenant-owned table."""
    ids = []
    for name in ("A", "B"):
        t = catalog.tenant(name, plan="pro")
        catalog.consume(t, "calls", 95, f"{name}-key")  # meters, ledger, keys, notifications
        catalog.consume(t, "hourly", 1)  # volatile meters
        catalog.service(
            "select * from api.track_object(%s::uuid, 'file', 10, 'upload')", t
        )  # storage
        catalog.service(
            "select * from api.record_usage_batch(%s::jsonb)",
            Jsonb(
                [
                    {
                        "tenant_id": str(t),
                        "feature": "tokens",
                        "amount": 1,
                        "idempotency_key": f"{name}-b",
                    }
                ]
            ),
        )
        catalog.admin("select api.set_override(%s, 'members', 50)", t)
        catalog.admin("select api.grant_addon(%s, 'more_members')", t)
        catalog.admin("select api.create_api_key('tenant', %s, %s)", name, t)
        ids.append(t)
    return tuple(ids)


def core_tables(conn: psycopg.Connection) -> list[tuple[str, bool]]:
    return conn.execute(
        """select c.relname,
                  exists (select from pg_attribute a where a.attrelid = c.oid
                           and a.attname = 'tenant_id' and not a.attisdropped)
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'core' and c.relkind in ('r', 'p')
            order by 1"""
    ).fetchall()


def test_tenant_reads_no_row_of_another_tenant_in_any_table(
    db: psycopg.Connection, two_tenants: tuple
) -> None:
    a, _ = two_tenants
    tables = core_tables(db)
    assert len(tables) >= 18
    seen_own = 0
    for table, has_tenant in tables:
        with db.transaction():
            as_tenant(db, a)
            try:
                with db.transaction():
                    rows = db.execute(
                        sql.SQL("select {} from core.{}").format(
                            sql.SQL("tenant_id") if has_tenant else sql.SQL("null"),
                            sql.Identifier(table),
                        )
                    ).fetchall()
            except psycopg.errors.InsufficientPrivilege:
                continue  # cannot read at all: fine
            if has_tenant:
                assert {r[0] for r in rows} <= {a}, f"core.{table} leaks another tenant's rows"
                seen_own += bool(rows)
    # The tenant does see its own rows (the test would pass vacuously otherwise).
    assert seen_own >= 8


def test_tenant_cannot_write_any_table(db: psycopg.Connection, two_tenants: tuple) -> None:
    a, _ = two_tenants
    for table, _has_tenant in core_tables(db):
        first_column = db.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0"
            " and attidentity = '' and attgenerated = '' and not attisdropped"
            " order by attnum limit 1",
            (f"core.{table}",),
        ).fetchone()[0]
        for stmt in (
            "insert into core.{t} default values",
            "update core.{t} set {c} = {c}",
            "delete from core.{t}",
            "truncate core.{t}",
        ):
            query = sql.SQL(stmt).format(t=sql.Identifier(table), c=sql.Identifier(first_column))
            with db.transaction():
                as_tenant(db, a)
                with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
                    db.execute(query)


def test_tenant_views_show_only_own_rows(db: psycopg.Connection, two_tenants: tuple) -> None:
    a, _ = two_tenants
    for view in (
        "entitlements",
        "usage_history",
        "usage_events",
        "storage_objects",
        "storage_categories",
        "storage_history",
        "notifications",
    ):
        with db.transaction():
            as_tenant(db, a)
            tenants = {
                r[0]
                for r in db.execute(
                    sql.SQL("select tenant_id from api.{}").format(sql.Identifier(view))
                )
            }
        assert tenants == {a}, view
    with db.transaction():
        as_role(db, "ratecard_tenant")  # no tenant set: nothing at all
        assert db.execute("select count(*) from api.entitlements").fetchone() == (0,)


def test_tenant_cannot_call_tenant_parameterised_functions(
    db: psycopg.Connection, two_tenants: tuple
) -> None:
    _, b = two_tenants
    for call in (
        "select api.check_quota(%s, 'calls')",
        "select * from api.consume(%s, 'calls')",
        "select * from api.get_entitlement(%s, 'calls')",
        "select * from api.list_entitlements(%s)",
        "select api.forget_object(%s, 'file')",
        "select internal.refresh_entitlements(array[%s::uuid])",
    ):
        with db.transaction():
            as_role(db, "ratecard_tenant")
            with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
                db.execute(call, (b,))


def test_service_role_has_no_direct_table_access(db: psycopg.Connection, two_tenants) -> None:
    for table, _ in core_tables(db):
        if table in ("features", "plans", "plan_limits", "addons", "addon_grants", "clock"):
            continue  # shared catalog: readable
        with db.transaction():
            as_role(db, "ratecard_service")
            with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
                db.execute(sql.SQL("select 1 from core.{} limit 1").format(sql.Identifier(table)))


def test_api_keys_are_invisible_and_hashed(db: psycopg.Connection, two_tenants) -> None:
    for role in ("ratecard_tenant", "ratecard_service", "ratecard_admin"):
        with db.transaction():
            as_role(db, role)
            with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
                db.execute("select * from core.api_keys")
    key = db.execute("select api.create_api_key('service', 'svc')").fetchone()[0]
    secret = key.split("_")[2]
    stored = db.execute(
        "select secret_hash, length(secret_hash) from core.api_keys where key_id = %s",
        (key.split("_")[1],),
    ).fetchone()
    assert stored[1] == 32 and secret.encode() not in bytes(stored[0])
    assert db.execute(
        "select %s = sha256(convert_to(%s, 'UTF8'))", (stored[0], secret)
    ).fetchone() == (True,)
    with db.transaction():
        as_role(db, "ratecard_authenticator")
        row = db.execute("select role from api.authenticate_key(%s)", (key,)).fetchone()
        assert row == ("service",)
        assert db.execute("select * from api.authenticate_key(%s)", (key + "x",)).fetchall() == []
