-- api.jobs: every job, how it is scheduled and how it is doing. kind: sql (runs in the
-- database: pg_cron calls api.run_job) or queue (the worker runs it). schedule: the one in
-- force (an operator's, else the defined one; null when not scheduled). scheduled_by:
-- pg_cron, or worker where pg_cron does not run it. last_*: the newest run that started.
-- next_run_at: when the schedule fires next. queued / running / dead: runs now in each
-- state. args: what every run gets (the defined ones, an operator's on top).
create or replace view api.jobs
with (security_invoker = true)
as
  select j.name, j.kind, j.description,
         case when j.enabled then coalesce(j.schedule_override, j.schedule) end as schedule,
         j.schedule as defined_schedule,
         j.enabled,
         case when not j.enabled or coalesce(j.schedule_override, j.schedule) is null then null
              when j.cron_jobid is not null then 'pg_cron'
              else 'worker' end as scheduled_by,
         last.id as last_run_id, last.started_at as last_run_at, last.status as last_status,
         last.finished_at as last_finished_at, last.error as last_error,
         case when j.enabled then internal.cron_next(coalesce(j.schedule_override, j.schedule),
                                                      internal.now()) end as next_run_at,
         coalesce(c.queued, 0) as queued, coalesce(c.running, 0) as running,
         coalesce(c.dead, 0) as dead,
         j.args || coalesce(j.args_override, '{}') as args, j.args as defined_args,
         j.max_attempts, j.lease_seconds, j.lock_on, j.target
    from core.jobs j
    left join lateral (
      select r.id, r.started_at, r.status, r.finished_at, r.error from core.job_runs r
       where r.job = j.name and r.started_at is not null
       order by r.id desc limit 1) last on true
    left join lateral (
      select count(*) filter (where r.status = 'queued') as queued,
             count(*) filter (where r.status = 'running') as running,
             count(*) filter (where r.status = 'dead') as dead
        from core.job_runs r
       where r.job = j.name and r.status in ('queued', 'running', 'dead')) c on true
   order by j.name;

comment on view api.jobs is
  'Every job: kind, schedule in force, who fires it, last run, next run, queued/running/dead.';
grant select on api.jobs to ratecard_admin;
