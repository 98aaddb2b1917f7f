-- Subscriptions past due beyond the dunning grace fall to the default plan's limits:
-- internal.job_run_dunning.
select internal.define_job('run_dunning', 'sql',
  'Restrict subscriptions past due for longer than the dunning grace',
  p_schedule => '0 * * * *', p_max_attempts => 3);
