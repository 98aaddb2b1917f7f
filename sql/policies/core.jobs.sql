-- core.jobs: job definitions and schedules; admins read them (api.jobs); every write goes
-- through security definer functions (internal.define_job, api.set_job_schedule, the
-- worker's scheduler) or migrate's administrator login (pg_cron job ids).
drop policy if exists admin_read on core.jobs;
create policy admin_read on core.jobs
  for select to ratecard_admin
  using (true);
grant select on core.jobs to ratecard_admin;
