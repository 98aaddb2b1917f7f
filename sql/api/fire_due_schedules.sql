-- api.fire_due_schedules(): the worker's own scheduler, for the jobs pg_cron does not run
-- (core.jobs.cron_jobid is null: pg_cron missing, in another database, or RATECARD_CRON =
-- worker). Every enabled job whose schedule has come since it last fired is enqueued once
-- with the dedupe key 'schedule', exactly as pg_cron would (SQL jobs too: the worker runs
-- their steps); fired_at remembers the time. Missed times (no worker running) are not
-- made up for: a job fires once, then follows its schedule again. The first call for a job
-- only starts counting. Several workers may call it at once: each job's row is locked and
-- skipped by the others. Returns how many runs were enqueued.
create or replace function api.fire_due_schedules()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_count integer := 0;
  r record;
begin
  for r in
    select j.name, coalesce(j.schedule_override, j.schedule) as schedule, j.fired_at
      from core.jobs j
     where j.enabled and j.cron_jobid is null
       and coalesce(j.schedule_override, j.schedule) is not null
       for update skip locked
  loop
    if r.fired_at is null or r.fired_at > v_now then
      -- first sight (or a clock moved back): count from now
      update core.jobs j set fired_at = v_now where j.name = r.name;
    elsif internal.cron_next(r.schedule, r.fired_at) <= v_now then
      perform internal.enqueue_job(r.name, '{}', null, 'schedule', 'schedule (worker)');
      update core.jobs j set fired_at = v_now where j.name = r.name;
      v_count := v_count + 1;
    end if;
  end loop;
  return v_count;
end
$$;

comment on function api.fire_due_schedules() is
  'Worker scheduler where pg_cron does not run a job: enqueue each job whose time has come.';
grant execute on function api.fire_due_schedules() to ratecard_service;
