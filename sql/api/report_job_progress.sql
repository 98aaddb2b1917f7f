-- api.report_job_progress(): a queue job's handler says how far it got (ctx.progress):
-- the fields are added to the run's result at once (numbers add up), so whoever watches
-- api.job_runs (`ratecard jobs run NAME --wait`) sees it move. Also renews the lease.
-- Returns false, changing nothing, when the run is no longer p_worker's.
create or replace function api.report_job_progress(p_id bigint, p_worker text,
                                                   p_fields jsonb)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update core.job_runs r
     set result = internal.merge_job_result(r.result, p_fields),
         lease_until = internal.now() + pg_catalog.make_interval(secs => j.lease_seconds)
    from core.jobs j
   where j.name = r.job and r.id = p_id and r.status = 'running' and r.worker = p_worker;
  return found;
end
$$;

comment on function api.report_job_progress(bigint, text, jsonb) is
  'Worker: add a running job''s progress to its result (and renew its lease).';
grant execute on function api.report_job_progress(bigint, text, jsonb) to ratecard_service;
