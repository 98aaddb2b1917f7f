-- internal.forget_undefined_jobs(): the end of a migrate run's job definitions. Every job
-- defined in this run carries its start time (defined_at = now()); a job whose file is gone
-- is deleted, and its queued runs die with a clear error (its history stays in
-- core.job_runs). Migrate then removes its pg_cron schedule.
create or replace function internal.forget_undefined_jobs()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_gone text[];
begin
  with gone as (
    delete from core.jobs j where j.defined_at < pg_catalog.now() returning j.name
  )
  select pg_catalog.array_agg(g.name) into v_gone from gone g;
  update core.job_runs r
     set status = 'dead', finished_at = internal.now(), lease_until = null,
         error = 'the job is no longer defined'
   where r.status = 'queued' and r.job = any (coalesce(v_gone, '{}'));
  return coalesce(pg_catalog.array_length(v_gone, 1), 0);
end
$$;

comment on function internal.forget_undefined_jobs() is
  'Delete job definitions that this migrate run did not make; their queued runs die.';
revoke execute on function internal.forget_undefined_jobs() from public;
