-- api.finish_job_run(): the end of an attempt. Succeeded: the result summary is kept.
-- Failed: a direct run is `failed` (its schedule runs it again); a queued run goes back to
-- the queue after a backoff (internal.job_backoff: exponential with jitter) until it has
-- used its job's max_attempts, then it is `dead` with its last error; p_retry = false makes
-- it dead at once (a failure no retry can mend). Returns the run's status now, or 'lost'
-- when the run no longer belongs to p_worker (its lease expired and it was taken again):
-- then nothing changes. RC026 for an unknown run.
create or replace function api.finish_job_run(
  p_id bigint,
  p_worker text,
  p_ok boolean,
  p_result jsonb default null,
  p_error text default null,
  p_retry boolean default true
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run core.job_runs;
  v_job core.jobs;
  v_now timestamptz := internal.now();
  v_status text;
begin
  select * into v_run from core.job_runs r where r.id = p_id for update;
  if not found then
    raise exception 'unknown job run: %', p_id using errcode = 'RC026';
  end if;
  if v_run.status <> 'running' or v_run.worker is distinct from p_worker then
    return 'lost';
  end if;
  select * into v_job from core.jobs j where j.name = v_run.job;
  v_status := case
    when p_ok then 'succeeded'
    when v_run.via = 'direct' then 'failed'
    when not coalesce(p_retry, true) or v_run.attempts >= v_run.max_attempts then 'dead'
    else 'queued' end;
  update core.job_runs r
     set status = v_status,
         result = case when p_ok or p_result is not null
                       then internal.merge_job_result(r.result, p_result) else r.result end,
         error = case when p_ok then null
                      else pg_catalog.left(coalesce(p_error, 'failed'), 4000) end,
         finished_at = case when v_status = 'queued' then null else v_now end,
         run_at = case when v_status = 'queued'
                       then v_now + internal.job_backoff(r.attempts,
                                      coalesce(v_job.backoff_seconds, 10),
                                      coalesce(v_job.backoff_max_seconds, 3600))
                       else r.run_at end,
         worker = case when v_status = 'queued' then null else r.worker end,
         lease_until = null
   where r.id = p_id;
  return v_status;
end
$$;

comment on function api.finish_job_run(bigint, text, boolean, jsonb, text, boolean) is
  'End an attempt: succeeded, retried after a backoff, dead, or failed (direct runs).';
grant execute on function api.finish_job_run(bigint, text, boolean, jsonb, text, boolean)
  to ratecard_service, ratecard_admin;
