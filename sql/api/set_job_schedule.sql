-- api.set_job_schedule(): an operator's schedule for a job, kept across migrations: a cron
-- expression (pg_cron syntax, UTC), 'off' to stop scheduling it, or null to go back to the
-- defined schedule. The worker's own scheduler follows it at once; pg_cron follows it at the
-- next `ratecard db migrate` (`ratecard jobs schedule` does both). Returns the schedule now
-- in force (null: not scheduled). RC025 for an unknown job, RC005 for a bad schedule.
create or replace function api.set_job_schedule(p_job text, p_schedule text)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_off boolean := pg_catalog.lower(pg_catalog.btrim(p_schedule)) = 'off';
  v_out text;
begin
  if p_schedule is not null and not v_off then
    perform internal.cron_next(p_schedule, pg_catalog.now());
  end if;
  update core.jobs j
     set schedule_override = case when v_off then null else pg_catalog.btrim(p_schedule) end,
         enabled = not coalesce(v_off, false),
         fired_at = null
   where j.name = p_job
  returning case when j.enabled then coalesce(j.schedule_override, j.schedule) end into v_out;
  if not found then
    raise exception 'unknown job: %', p_job using errcode = 'RC025',
      hint = 'api.jobs lists every job';
  end if;
  return v_out;
end
$$;

comment on function api.set_job_schedule(text, text) is
  'Operator schedule of a job: cron expression, ''off'', or null for the defined one.';
grant execute on function api.set_job_schedule(text, text) to ratecard_admin;
