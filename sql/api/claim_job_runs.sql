-- api.claim_job_runs(): the worker's claim. First frees runs whose lease expired
-- (internal.expire_job_leases), then takes up to p_limit queued runs that are due, oldest
-- first, skipping rows other workers are claiming (`for update skip locked`) and runs whose
-- lock another running run holds: each is set running, its attempt counted, leased to
-- p_worker for its job's lease_seconds. Runs of SQL jobs are always taken (the worker calls
-- api.step_job_run); runs of queue jobs only when p_handlers names them, so a worker never
-- takes a job it cannot run.
create or replace function api.claim_job_runs(p_worker text, p_limit integer,
                                              p_handlers text[] default '{}')
returns table (id bigint, job text, kind text, args jsonb, attempt integer,
               max_attempts integer, lease_seconds integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_taken integer := 0;
  r record;
begin
  if p_worker is null or pg_catalog.length(p_worker) not between 1 and 200 then
    raise exception 'a worker name has 1 to 200 characters' using errcode = 'RC005';
  end if;
  perform internal.expire_job_leases();
  for r in
    select x.id, j.kind, j.lease_seconds from core.job_runs x
      join core.jobs j on j.name = x.job
     where x.status = 'queued' and x.run_at <= v_now
       and (j.kind = 'sql' or j.name = any (coalesce(p_handlers, '{}')))
       and (x.lock_key is null
            or not exists (select from core.job_runs y
                            where y.lock_key = x.lock_key and y.status = 'running'))
     order by x.run_at, x.id
       for update of x skip locked
  loop
    exit when v_taken >= p_limit;
    begin
      return query
        update core.job_runs u
           set status = 'running', attempts = u.attempts + 1, worker = p_worker,
               started_at = v_now, finished_at = null,
               lease_until = v_now + pg_catalog.make_interval(secs => r.lease_seconds)
         where u.id = r.id
        returning u.id, u.job, r.kind, u.args, u.attempts, u.max_attempts, r.lease_seconds;
      v_taken := v_taken + 1;
    exception when unique_violation then
      null;  -- another run with the same lock was started meanwhile: leave this one queued
    end;
  end loop;
end
$$;

comment on function api.claim_job_runs(text, integer, text[]) is
  'Worker: lease up to p_limit due queued runs (skip locked; one running run per lock).';
grant execute on function api.claim_job_runs(text, integer, text[]) to ratecard_service;
