-- api.release_job_runs(): a worker stopping (SIGTERM) hands back the runs it could not
-- finish in time: they are queued again at once, and the attempt does not count.
-- Returns how many were released.
create or replace function api.release_job_runs(p_worker text, p_ids bigint[])
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_count integer;
begin
  update core.job_runs r
     set status = 'queued', attempts = greatest(r.attempts - 1, 0), worker = null,
         lease_until = null, run_at = internal.now(),
         error = 'released by ' || p_worker || ' when it stopped'
   where r.id = any (p_ids) and r.status = 'running' and r.worker = p_worker;
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform pg_catalog.pg_notify('ratecard_jobs', 'released');
  end if;
  return v_count;
end
$$;

comment on function api.release_job_runs(text, bigint[]) is
  'A stopping worker queues its unfinished runs again (the attempt does not count).';
grant execute on function api.release_job_runs(text, bigint[]) to ratecard_service;
