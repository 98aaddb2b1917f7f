-- requires: api/job_runs.sql
-- api.list_job_runs(): the admin list of job runs (api.job_runs), newest first, filtered by
-- job and status and bounded, as api.list_stripe_events: a status a run cannot have, or a
-- limit outside 1 to 1000, is RC005. An unknown job simply has no runs.
create or replace function api.list_job_runs(
  p_job text default null, p_status text default null, p_limit integer default 100
)
returns setof api.job_runs
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_status is not null and p_status not in ('queued', 'running', 'succeeded', 'failed',
                                               'dead') then
    raise exception 'unknown job run status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005', hint = 'one of queued, running, succeeded, failed, dead';
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select r.* from api.job_runs r
     where (p_job is null or r.job = p_job) and (p_status is null or r.status = p_status)
     order by r.id desc
     limit p_limit;
end
$$;

comment on function api.list_job_runs(text, text, integer) is
  'Job runs (api.job_runs) by job and status (optional), newest first, at most p_limit (1..1000).';
grant execute on function api.list_job_runs(text, text, integer) to ratecard_admin;
