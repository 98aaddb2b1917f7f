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

# ratecard report revenue | capacity (as ratecard_admin; figures computed in SQL)
REPORT_REVENUE = """
select jsonb_build_object(
  'kpis', coalesce((select jsonb_agg(to_jsonb(k) order by k.currency) from analytics.kpis k
                     where %(currency)s::text is null or k.currency = %(currency)s::text), '[]'),
  'months', coalesce((select jsonb_agg(to_jsonb(m) order by m.period, m.currency)
                        from analytics.revenue_periods(
                               'month',
                               date_trunc('month', internal.now() at time zone 'utc')
                                 at time zone 'utc'
                                 - make_interval(months => %(months)s::integer - 1),
                               internal.now()) m
                       where %(currency)s::text is null or m.currency = %(currency)s::text), '[]'),
  'forecast', coalesce((select jsonb_agg(to_jsonb(f) order by f.currency, f.month)
                          from analytics.revenue_forecast f
                         where %(currency)s::text is null
                            or f.currency = %(currency)s::text), '[]'),
  'plans', coalesce((select jsonb_agg(to_jsonb(p)) from analytics.plan_distribution p
                      where %(currency)s::text is null
                         or p.currency = %(currency)s::text), '[]')
) as report
"""
REPORT_CAPACITY = "select analytics.platform_health() as report"
