-- Finished job runs leave the history after 30 days (internal.job_purge_job_runs).
select internal.define_job('purge_job_runs', 'sql',
  'Delete finished job runs older than 30 days, in batches',
  p_schedule => '0 4 * * *', p_max_attempts => 3, p_lease_seconds => 600,
  p_args => '{"older_than": "30 days", "batch": 5000}');
