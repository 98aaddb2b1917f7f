-- api.next_job_due(): when the worker should look again without a notification: the
-- earliest run_at of the queued runs it could run (SQL jobs, and queue jobs named in
-- p_handlers: retries after their backoff, runs asked for later) or lease end of the running
-- ones (a run whose worker died is taken again then), or null when there is none. Retries
-- and crashed runs then start on time instead of at the next poll.
create or replace function api.next_job_due(p_handlers text[] default '{}')
returns timestamptz
language sql
stable
security definer
set search_path = ''
as $$
  select min(case r.status when 'queued' then r.run_at else r.lease_until end)
    from core.job_runs r join core.jobs j on j.name = r.job
   where r.status in ('queued', 'running')
     and (j.kind = 'sql' or j.name = any (coalesce(p_handlers, '{}')))
$$;

comment on function api.next_job_due(text[]) is
  'Worker: the earliest run_at (queued) or lease end (running) of runs it could run.';
grant execute on function api.next_job_due(text[]) to ratecard_service;
