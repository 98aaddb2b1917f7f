"""Catalog rules that keep the schema honest. Each query lists offenders; the list must be
empty. Objects that belong to extensions (pg_cron) are not ours and are skipped."""

from __future__ import annotations

import psycopg
import pytest

OURS = "('core', 'internal', 'api', 'analytics', 'ratecard_meta', 'public')"
NOT_EXTENSION = """not exists (select from pg_depend d
                               where d.objid = {oid} and d.deptype = 'e')"""


def offenders(db: psycopg.Connection, query: str) -> list[tuple]:
    return db.execute(query).fetchall()


def test_every_table_has_row_level_security(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        f"""select n.nspname, c.relname
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('r', 'p') and n.nspname in {OURS}
               and not c.relrowsecurity and {NOT_EXTENSION.format(oid="c.oid")}""",
    )
    assert rows == []


def test_security_definer_functions_pin_search_path(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        f"""select p.oid::regprocedure::text from pg_proc p
             join pg_namespace n on n.oid = p.pronamespace
             where n.nspname in {OURS} and p.prosecdef
               and not exists (select from unnest(coalesce(p.proconfig, '{{}}')) c
                                where c like 'search_path=%')""",
    )
    assert rows == []


def test_views_are_security_invoker(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        f"""select n.nspname, c.relname
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where c.relkind in ('v', 'm') and n.nspname in {OURS}
               and not coalesce('security_invoker=true' = any(c.reloptions)
                                or 'security_invoker=on' = any(c.reloptions), false)""",
    )
    assert rows == []


def test_nothing_is_granted_to_public(db: psycopg.Connection) -> None:
    # A NULL acl means the built-in default, which for functions is EXECUTE to PUBLIC and for
    # types USAGE to PUBLIC: those count as grants to PUBLIC too.
    rows = offenders(
        db,
        f"""
        select 'schema', n.nspname from pg_namespace n
         where n.nspname in {OURS} and n.nspname <> 'public'
           and exists (select from aclexplode(n.nspacl) a where a.grantee = 0)
        union all
        select 'relation', c.oid::regclass::text from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in {OURS} and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
           and exists (select from aclexplode(c.relacl) a where a.grantee = 0)
        union all
        select 'function', p.oid::regprocedure::text from pg_proc p
          join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in {OURS} and {NOT_EXTENSION.format(oid="p.oid")}
           and (p.proacl is null or exists (select from aclexplode(p.proacl) a
                                             where a.grantee = 0))
        union all
        select 'type', t.oid::regtype::text from pg_type t
          join pg_namespace n on n.oid = t.typnamespace
         where n.nspname in {OURS} and t.typrelid = 0 and t.typelem = 0
           and (t.typacl is null or exists (select from aclexplode(t.typacl) a
                                             where a.grantee = 0))
        union all
        select 'public schema', 'public' from pg_namespace n
         where n.nspname = 'public'
           and exists (select from aclexplode(n.nspacl) a where a.grantee = 0)
        """,
    )
    assert rows == []


def test_public_schema_is_empty(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        """select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public'
           union all
           select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'public'""",
    )
    assert rows == []


def test_nothing_outside_rebuilt_schemas_depends_on_them(db: psycopg.Connection) -> None:
    # `ratecard db migrate` drops and recreates api and analytics; a table default, policy or
    # trigger that referenced them would silently vanish with the cascade.
    rows = offenders(
        db,
        """
        select d.classid::regclass::text, d.objid, d.refobjid
          from pg_depend d
          join pg_proc p on d.refclassid = 'pg_proc'::regclass and p.oid = d.refobjid
          join pg_namespace n on n.oid = p.pronamespace
         where n.nspname in ('api', 'analytics')
           and d.deptype = 'n'
           and not exists (
             select from pg_rewrite r join pg_class c on c.oid = r.ev_class
               join pg_namespace rn on rn.oid = c.relnamespace
              where d.classid = 'pg_rewrite'::regclass and r.oid = d.objid
                and rn.nspname in ('api', 'analytics'))
           and not exists (
             select from pg_proc q join pg_namespace qn on qn.oid = q.pronamespace
              where d.classid = 'pg_proc'::regclass and q.oid = d.objid
                and qn.nspname in ('api', 'analytics'))
        """,
    )
    assert rows == []


def test_runtime_roles_are_not_superusers_or_owners(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        """select rolname from pg_roles
            where rolname in ('ratecard_service', 'ratecard_tenant', 'ratecard_admin',
                              'ratecard_authenticator', 'ratecard_scheduler')
              and (rolsuper or rolbypassrls or rolcreaterole or rolcreatedb
                   or pg_has_role(rolname, 'ratecard_owner', 'member'))""",
    )
    assert rows == []
    inherit = db.execute(
        "select rolinherit, rolcanlogin from pg_roles where rolname = 'ratecard_authenticator'"
    ).fetchone()
    assert inherit == (False, True)
    # pg_cron's role: may log in (a background worker needs that), inherits only the service
    scheduler = db.execute(
        """select rolcanlogin, rolpassword is null,
                  array(select b.rolname from pg_auth_members m
                          join pg_roles b on b.oid = m.roleid
                         where m.member = a.oid)
             from pg_authid a where rolname = 'ratecard_scheduler'"""
    ).fetchone()
    assert scheduler == (True, True, ["ratecard_service"])


def test_every_api_function_is_documented(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        """select p.oid::regprocedure::text from pg_proc p
             join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'api' and obj_description(p.oid, 'pg_proc') is null""",
    )
    assert rows == []


# Tenant-owned tables (a NOT NULL tenant_id) are distributed by tenant_id past one machine
# (docs/scaling.md): a key without tenant_id could not be enforced on one shard. These are
# the two deliberate exceptions, Stripe's ids, which must stay unique across all tenants (a
# webhook names only the Stripe object, and one customer must never be linked to two
# tenants); docs/scaling.md says how they move to routing tables keyed by the Stripe id.
GLOBAL_UNIQUE = {
    ("tenants", "stripe_customer_id"),
    ("subscriptions", "stripe_subscription_id"),
}
# The append-only ledger has no primary key (nothing refers to one of its rows; its index
# leads with tenant_id, and it is partitioned by time).
KEYLESS = {"core.usage_events"}
TENANT_OWNED = """
select c.oid from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnotnull
 where n.nspname = 'core' and c.relkind in ('r', 'p') and not c.relispartition
"""


def test_tenant_owned_tables_lead_their_primary_key_with_tenant_id(
    db: psycopg.Connection,
) -> None:
    rows = offenders(
        db,
        f"""select c.oid::regclass::text from pg_class c
             where c.oid in ({TENANT_OWNED})
               and not exists (select from pg_constraint k
                                where k.conrelid = c.oid and k.contype = 'p'
                                  and (select a.attname from pg_attribute a
                                        where a.attrelid = c.oid and a.attnum = k.conkey[1])
                                      = 'tenant_id')""",
    )
    assert {r[0] for r in rows} <= KEYLESS, rows


def test_unique_keys_of_tenant_owned_tables_include_tenant_id(db: psycopg.Connection) -> None:
    rows = offenders(
        db,
        f"""select c.relname::text,
                   string_agg(a.attname, ',' order by a.attnum)
              from pg_index i
              join pg_class c on c.oid = i.indrelid
              join pg_attribute a on a.attrelid = c.oid and a.attnum = any (i.indkey)
             where i.indisunique and c.oid in ({TENANT_OWNED})
             group by c.relname, i.indexrelid
            having not bool_or(a.attname = 'tenant_id')""",
    )
    assert set(rows) <= GLOBAL_UNIQUE, set(rows) - GLOBAL_UNIQUE


def test_foreign_keys_between_tenant_owned_tables_carry_tenant_id(
    db: psycopg.Connection,
) -> None:
    # A reference from one tenant's row to another tenant-owned table must name the same
    # tenant (tenant_id to tenant_id), so both rows live on the same shard. References to
    # the catalog (features, plans, add-ons) and to global tables are fine.
    rows = offenders(
        db,
        f"""select k.conrelid::regclass::text, k.conname::text from pg_constraint k
             where k.contype = 'f' and k.conrelid in ({TENANT_OWNED})
               and k.confrelid in ({TENANT_OWNED})
               and not exists (
                 select from unnest(k.conkey, k.confkey) p(child, parent)
                  join pg_attribute ca on ca.attrelid = k.conrelid and ca.attnum = p.child
                  join pg_attribute pa on pa.attrelid = k.confrelid and pa.attnum = p.parent
                  where ca.attname = 'tenant_id' and pa.attname = 'tenant_id')""",
    )
    assert rows == []


def test_the_rules_above_can_fail(db: psycopg.Connection) -> None:
    with db.transaction():
        db.execute("create table core.bad (tenant_id uuid not null, code text unique)")
        db.execute("alter table core.bad add primary key (code, tenant_id)")
        with pytest.raises(AssertionError):
            test_tenant_owned_tables_lead_their_primary_key_with_tenant_id(db)
        with pytest.raises(AssertionError):
            test_unique_keys_of_tenant_owned_tables_include_tenant_id(db)
        raise psycopg.Rollback
