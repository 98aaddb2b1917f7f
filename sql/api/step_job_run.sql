-- api.step_job_run(): one step of a running SQL job's run: calls the job's function with
-- the run's arguments, adds what it returns to the run's result (internal.merge_job_result)
-- and renews the lease. Returns what this step's call returned (a JSON object); when it
-- holds `"more": true` the job asks to be called again (one bounded batch per step, each
-- in its own transaction). A step may also return `"resume": <position>`: kept in
-- core.job_runs.resume (not in the result) and passed to the next step as the argument
-- `resume`, so it starts where this one stopped. p_worker is
-- the worker holding a queued run, null for a direct run. RC026 for an unknown run, RC027
-- for a run that is not running for this caller (its lease expired and it was taken again).
create or replace function api.step_job_run(p_id bigint, p_worker text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run core.job_runs;
  v_job core.jobs;
  v_proc regprocedure;
  v_out jsonb;
begin
  select * into v_run from core.job_runs r where r.id = p_id for update;
  if not found then
    raise exception 'unknown job run: %', p_id using errcode = 'RC026';
  end if;
  if v_run.status <> 'running' or v_run.worker is distinct from p_worker then
    raise exception 'job run % is not running here (it is %)', p_id, v_run.status
      using errcode = 'RC027';
  end if;
  select * into v_job from core.jobs j where j.name = v_run.job;
  if not found or v_job.kind <> 'sql' then
    raise exception 'job run % is not a run of a SQL job', p_id using errcode = 'RC005';
  end if;
  v_proc := pg_catalog.to_regprocedure(v_job.target || '(jsonb)');
  if v_proc is null then
    raise exception 'job %: its function %(jsonb) is missing', v_job.name, v_job.target
      using errcode = 'RC005';
  end if;
  execute pg_catalog.format('select %s($1)', v_proc::regproc)
    using case when v_run.resume is null then v_run.args
               else v_run.args || pg_catalog.jsonb_build_object('resume', v_run.resume) end
    into v_out;
  if pg_catalog.jsonb_typeof(v_out) is distinct from 'object' then
    v_out := pg_catalog.jsonb_build_object('result', v_out);
  end if;
  update core.job_runs r
     set steps = r.steps + 1,
         result = internal.merge_job_result(r.result, v_out - 'resume'),
         resume = nullif(v_out->'resume', 'null'::jsonb),
         lease_until = internal.now() + pg_catalog.make_interval(secs => v_job.lease_seconds)
   where r.id = p_id;
  return v_out;
end
$$;

comment on function api.step_job_run(bigint, text) is
  'Run one step of a SQL job run; returns its output ({"more": true}: call again).';
grant execute on function api.step_job_run(bigint, text) to ratecard_service, ratecard_admin;
