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
       (select setting from pg_settings
         where name = 'cron.use_background_workers') as background_workers,
       current_database() as this_db,
       (select rolsuper from pg_roles where rolname = current_user) as is_super
"""
HAS_JOBS_TABLE = "select to_regclass('core.jobs') is not null as present"
CREATE_PG_CRON = "create extension if not exists pg_cron"
HAS_PG_CRON = "select exists (select from pg_extension where extname = 'pg_cron')"
HAS_PG_CRON_ROW = "select exists (select from pg_extension where extname = 'pg_cron') as present"
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

# ratecard db migrate: schedules (ratecard/schedules.py)
WANTED_SCHEDULES = """
select 'ratecard.' || j.name as jobname, j.name as job,
       coalesce(j.schedule_override, j.schedule) as schedule,
       case j.kind when 'sql' then format('call api.run_job(%L)', j.name)
            else format('select api.enqueue_job(%L, p_dedupe_key => %L)', j.name, 'schedule')
       end as command
  from core.jobs j
 where j.enabled and coalesce(j.schedule_override, j.schedule) is not null
 order by j.name
"""
RECORD_CRON_JOBS = """
update core.jobs j set cron_jobid = (%s::jsonb ->> j.name)::bigint
 where j.cron_jobid is distinct from (%s::jsonb ->> j.name)::bigint
"""
CURRENT_USER = "select current_user::text as me"
# Ratecard's own: named ratecard.<job>, in this database, running one of the two commands
# migrate installs (an operator's job that merely shares the prefix is not ours)
OUR_CRON_JOBS = """
select jobid, jobname, schedule, command, username, active from cron.job
 where jobname like 'ratecard.%%' and database = %s::text
   and (command like 'call api.run_job(%%' or command like 'select api.enqueue_job(%%')
"""
CRON_NAMES_ELSEWHERE = """
select jobname, database from cron.job
 where jobname = any(%s::text[]) and username = %s::text and database <> %s::text
"""
SCHEDULE_CRON = (
    "select cron.schedule_in_database(%s::text, %s::text, %s::text, %s::text, %s::text, true)"
    " as jobid"
)
UNSCHEDULE_CRON = "select cron.unschedule(%s::bigint) as done"

# ratecard jobs (ratecard/jobs_cli.py), as ratecard_admin unless said otherwise
JOBS_LIST = """
select name, kind, schedule, scheduled_by, last_run_at, last_status, next_run_at, queued,
       running, dead, description
  from api.jobs order by name
"""
JOB_KIND = "select kind from api.jobs where name = %s::text"
# as the administrator login itself: a CALL at top level, so each step commits
RUN_SQL_JOB = "call api.run_job(%s::text, %s::jsonb)"
LAST_CLI_RUN = """
select id, status, result, error, steps, duration_seconds from api.job_runs
 where job = %s::text and via = 'direct' and requested_by like '%%(ratecard-cli)'
 order by id desc limit 1
"""
ENQUEUE_JOB = "select api.enqueue_job(%s::text, %s::jsonb) as id"
JOB_RUN = """
select id, job, status, attempts, max_attempts, run_at, started_at, finished_at,
       duration_seconds, result, error
  from api.job_runs where id = %s::bigint
"""
JOB_HISTORY = """
select id, job, status, via, attempts, enqueued_at, started_at, duration_seconds, result,
       error
  from api.job_runs
 where (%s::text is null or job = %s::text) and (%s::text is null or status = %s::text)
 order by id desc limit %s::integer
"""
RETRY_JOB_RUN = "select api.retry_job_run(%s::bigint) as id"
SET_JOB_SCHEDULE = "select api.set_job_schedule(%s::text, %s::text) as schedule"

# ratecard notifications ... (ratecard/notifications_cli.py)
NOTIFICATION_DELIVERIES = """
select notification_id, tenant_id, tenant_name, kind, channel, target, status, attempts,
       max_attempts, last_status_code, last_error, next_attempt_at, last_attempt_at,
       created_at
  from api.list_notification_deliveries(%s::text, %s::uuid, %s::text, %s::bigint,
                                        %s::integer)
"""
RESEND_NOTIFICATION = "select api.resend_notification(%s::bigint) as queued"

# `ratecard storage runs` (ratecard/storage_cli.py), as ratecard_admin
STORAGE_RECONCILIATIONS = "select * from api.list_storage_reconciliations(%s::uuid, %s::integer)"

# ratecard stripe sync-catalog | reconcile-usage (as ratecard_admin)
STRIPE_CATALOG_SPEC = """
select ord, object, key, name, stripe_id, new_id, plan, addon, feature, billing_interval,
       currency, unit_amount_cents, included, unit_amount_decimal::text as unit_amount_decimal,
       terms, problem, params
  from api.stripe_catalog_spec
 order by ord, key
"""
RECORD_STRIPE_CATALOG = "select api.record_stripe_catalog(%s::jsonb) as recorded"

# Bulk usage ingestion (ratecard/ingest.py; POST /v1/usage/stream and `ratecard ingest`),
# as ratecard_service, in one transaction (ratecard.sqlcall.copy_call).
OPEN_USAGE_STREAM = "select api.open_usage_stream()"
COPY_USAGE_STREAM = (
    "copy pg_temp.usage_stream (line, tenant_id, feature, amount, idempotency_key,"
    " occurred_at, properties) from stdin"
)
MERGE_USAGE_STREAM = "select accepted, duplicates from api.merge_usage_stream()"
