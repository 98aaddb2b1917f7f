-- api.enqueue_job(): the one way to ask for a job run through the durable queue, from
-- anywhere that can run SQL: pg_cron, a SQL function, the CLI, the HTTP API, a trusted
-- service. The worker (`ratecard worker`) takes it as soon as it is due (it is woken by
-- NOTIFY ratecard_jobs at commit). p_run_at: not before (default now); p_dedupe_key: while
-- a queued or running run of the same job has this key, nothing is added and that run's id
-- is returned (pg_cron's schedules use 'schedule', so a schedule firing twice runs once).
-- Returns the run's id (see api.job_runs). RC025 for an unknown job, RC005 for arguments
-- that are not a JSON object or an empty or too long dedupe key.
create or replace function api.enqueue_job(
  p_job text,
  p_args jsonb default '{}',
  p_run_at timestamptz default null,
  p_dedupe_key text default null
)
returns bigint
language sql
volatile
security definer
set search_path = ''
as $$
  select internal.enqueue_job(p_job, p_args, p_run_at, p_dedupe_key, internal.job_requester())
$$;

comment on function api.enqueue_job(text, jsonb, timestamptz, text) is
  'Queue a job run for the worker; a dedupe key already queued or running adds nothing.';
grant execute on function api.enqueue_job(text, jsonb, timestamptz, text)
  to ratecard_service, ratecard_admin;
