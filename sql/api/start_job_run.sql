-- api.start_job_run(): begin a direct run of a SQL job (api.run_job: pg_cron, the CLI),
-- recorded in core.job_runs as running, with a lease its steps renew. Returns null, and
-- records nothing, when another run holds the job's lock (a daily purge still running when
-- the next one fires); a lock whose runner died is freed first (internal.expire_job_leases).
-- RC025 for an unknown job, RC005 for a queue job (those are enqueued) or bad arguments.
create or replace function api.start_job_run(p_job text, p_args jsonb default '{}')
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_job core.jobs;
  v_now timestamptz := internal.now();
  v_id bigint;
begin
  select * into v_job from core.jobs j where j.name = p_job;
  if not found then
    raise exception 'unknown job: %', p_job using errcode = 'RC025',
      hint = 'api.jobs lists every job';
  end if;
  if v_job.kind <> 'sql' then
    raise exception 'job % runs in the worker: enqueue it (api.enqueue_job)', p_job
      using errcode = 'RC005';
  end if;
  if p_args is null or pg_catalog.jsonb_typeof(p_args) <> 'object' then
    raise exception 'job arguments must be a JSON object' using errcode = 'RC005';
  end if;
  perform internal.expire_job_leases();
  insert into core.job_runs (job, args, status, via, requested_by, attempts, max_attempts,
                             run_at, lock_key, enqueued_at, started_at, lease_until)
  values (p_job, v_job.args || coalesce(v_job.args_override, '{}') || p_args, 'running',
          'direct', internal.job_requester(), 1, 1, v_now,
          internal.job_lock_key(p_job, v_job.lock_on,
                                v_job.args || coalesce(v_job.args_override, '{}') || p_args),
          v_now, v_now,
          v_now + pg_catalog.make_interval(secs => v_job.lease_seconds))
  on conflict (lock_key) where lock_key is not null and status = 'running' do nothing
  returning id into v_id;
  return v_id;
end
$$;

comment on function api.start_job_run(text, jsonb) is
  'Begin a direct run of a SQL job (null when its lock is held); see api.run_job.';
grant execute on function api.start_job_run(text, jsonb) to ratecard_service, ratecard_admin;
