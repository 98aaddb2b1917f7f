"""Every statement the CLI, the seed loader and the migration runner send, in one place.

API calls go through ratecard.sqlcall.call (as ratecard_admin); the migration runner's DDL
is built with psycopg.sql where it names roles and schemas."""

CREATE_API_KEY = "select api.create_api_key(%s::text, %s::text, %s::uuid) as key"
REVOKE_API_KEY = "select api.revoke_api_key(%s::text) as revoked"

PLAN_COUNT = "select count(*) as plans from api.plans"
SEED_COUNTS = (
    "select (select count(*) from api.plans) as plans,"
    " (select count(*) from core.tenants) as tenants"
)

SERVER_STATUS = """
select version() as version,
       (select migration_id from ratecard_meta._yoyo_migration
         order by migration_id desc limit 1) as schema_version
 where to_regclass('ratecard_meta._yoyo_migration') is not null
union all
select version(), null
 where to_regclass('ratecard_meta._yoyo_migration') is null
"""

# ratecard db migrate
CRON_FACTS = """
select exists (select from pg_available_extensions where name = 'pg_cron') as available,
       -- pg_settings rather than current_setting(): a login without
       -- pg_read_all_settings may not read a superuser-only setting
       (select setting from pg_settings where name = 'cron.database_name') as cron_db,
       current_database() as this_db,
       (select rolsuper from pg_roles where rolname = current_user) as is_super
"""
CREATE_PG_CRON = "create extension if not exists pg_cron"
HAS_PG_CRON = "select exists (select from pg_extension where extname = 'pg_cron')"
META_TABLES = "select tablename from pg_tables where schemaname = %s"
SQL_APPLY_SETTINGS = (
    "set local check_function_bodies = off; set local client_min_messages = warning"
)
