-- api.retry_job_run(): an administrator tries a run again that is dead or failed: a new
-- run of the same job with the same arguments is queued (the old one stays in the history),
-- with a fresh set of attempts. Returns the new run's id. RC026 for an unknown run, RC027
-- for a run that is not dead or failed (still queued or running, or it succeeded).
create or replace function api.retry_job_run(p_id bigint)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_run core.job_runs;
begin
  select * into v_run from core.job_runs r where r.id = p_id;
  if not found then
    raise exception 'unknown job run: %', p_id using errcode = 'RC026';
  end if;
  if v_run.status not in ('dead', 'failed') then
    raise exception 'job run % is %: only dead or failed runs are retried', p_id, v_run.status
      using errcode = 'RC027';
  end if;
  return internal.enqueue_job(v_run.job, v_run.args, null, null,
                              internal.job_requester() || ' retry of ' || p_id);
end
$$;

comment on function api.retry_job_run(bigint) is
  'Queue a dead or failed run again (a new run, same job and arguments); returns its id.';
grant execute on function api.retry_job_run(bigint) to ratecard_admin;
