-- api.job_stats(): what the worker exports as metrics, per job: runs queued and due,
-- queued for later (retries waiting for their backoff, runs asked for a later time),
-- running, dead, and the age in seconds of the oldest due queued run (0 when none).
create or replace function api.job_stats()
returns table (job text, queued bigint, waiting bigint, running bigint, dead bigint,
               oldest_queued_seconds float8)
language sql
stable
security definer
set search_path = ''
as $$
  select j.name,
         count(*) filter (where r.status = 'queued' and r.run_at <= internal.now()),
         count(*) filter (where r.status = 'queued' and r.run_at > internal.now()),
         count(*) filter (where r.status = 'running'),
         count(*) filter (where r.status = 'dead'),
         coalesce(extract(epoch from internal.now()
                          - min(r.run_at) filter (where r.status = 'queued'
                                                    and r.run_at <= internal.now())), 0)::float8
    from core.jobs j
    left join core.job_runs r on r.job = j.name and r.status in ('queued', 'running', 'dead')
   group by j.name
   order by j.name
$$;

comment on function api.job_stats() is
  'Per job: runs queued (due, later), running, dead, and the oldest due run''s age (s).';
grant execute on function api.job_stats() to ratecard_service, ratecard_admin;
