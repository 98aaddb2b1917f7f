-- internal.enqueue_job(): put a run of a job on the queue (api.enqueue_job, the worker's
-- own scheduler). With a dedupe key that a queued or running run of the same job already
-- has, nothing is added and that run's id is returned (a schedule that fires twice runs
-- once). The run's arguments are the job's (core.jobs.args, an operator's args_override
-- on top) with p_args on top of those. Wakes the workers (NOTIFY ratecard_jobs, at commit).
create or replace function internal.enqueue_job(
  p_job text, p_args jsonb, p_run_at timestamptz, p_dedupe_key text, p_requested_by text
)
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
  v_args jsonb;
begin
  select * into v_job from core.jobs j where j.name = p_job;
  if not found then
    raise exception 'unknown job: %', p_job using errcode = 'RC025',
      hint = 'api.jobs lists every job';
  end if;
  if p_args is null or pg_catalog.jsonb_typeof(p_args) <> 'object' then
    raise exception 'job arguments must be a JSON object' using errcode = 'RC005';
  end if;
  if p_dedupe_key is not null and pg_catalog.length(p_dedupe_key) not between 1 and 200 then
    raise exception 'a dedupe key has 1 to 200 characters' using errcode = 'RC005';
  end if;
  v_args := v_job.args || coalesce(v_job.args_override, '{}') || p_args;
  insert into core.job_runs (job, args, via, requested_by, max_attempts, run_at, dedupe_key,
                             lock_key, enqueued_at)
  values (p_job, v_args, 'queue', p_requested_by, v_job.max_attempts,
          coalesce(p_run_at, v_now), p_dedupe_key,
          internal.job_lock_key(p_job, v_job.lock_on, v_args), v_now)
  on conflict (job, dedupe_key) where dedupe_key is not null
                                  and status in ('queued', 'running')
  do nothing
  returning id into v_id;
  if v_id is null then
    select r.id into v_id from core.job_runs r
     where r.job = p_job and r.dedupe_key = p_dedupe_key and r.status in ('queued', 'running');
    return v_id;
  end if;
  perform pg_catalog.pg_notify('ratecard_jobs', p_job);
  return v_id;
end
$$;

comment on function internal.enqueue_job(text, jsonb, timestamptz, text, text) is
  'Queue a run of a job (deduplicated by dedupe key while queued or running); wakes workers.';
revoke execute on function internal.enqueue_job(text, jsonb, timestamptz, text, text)
  from public;
