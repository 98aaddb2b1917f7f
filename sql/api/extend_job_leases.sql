-- api.extend_job_leases(): the worker's heartbeat. Renews the lease of the runs it still
-- holds among p_ids (each for its job's lease_seconds) and returns the ids it holds no
-- longer (their lease expired and they were taken again: the worker stops caring about
-- their outcome, which api.finish_job_run would refuse anyway).
create or replace function api.extend_job_leases(p_worker text, p_ids bigint[])
returns bigint[]
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_kept bigint[];
begin
  with kept as (
    update core.job_runs r
       set lease_until = internal.now() + pg_catalog.make_interval(secs => j.lease_seconds)
      from core.jobs j
     where j.name = r.job and r.id = any (p_ids) and r.status = 'running'
       and r.worker = p_worker
    returning r.id
  )
  select coalesce(pg_catalog.array_agg(k.id), '{}') into v_kept from kept k;
  return array(select i from pg_catalog.unnest(p_ids) i where i <> all (v_kept));
end
$$;

comment on function api.extend_job_leases(text, bigint[]) is
  'Worker heartbeat: renew the leases it holds; returns the ids it no longer holds.';
grant execute on function api.extend_job_leases(text, bigint[]) to ratecard_service;
