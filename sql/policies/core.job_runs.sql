-- core.job_runs: the queue and the run history; admins read it (api.job_runs, api.jobs);
-- the worker and pg_cron change it only through security definer functions.
drop policy if exists admin_read on core.job_runs;
create policy admin_read on core.job_runs
  for select to ratecard_admin
  using (true);
grant select on core.job_runs to ratecard_admin;
