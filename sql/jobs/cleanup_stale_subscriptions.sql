-- Subscriptions cancelled long ago are marked expired
-- (internal.job_cleanup_stale_subscriptions).
select internal.define_job('cleanup_stale_subscriptions', 'sql',
  'Mark subscriptions cancelled more than 90 days ago expired',
  p_schedule => '0 4 * * 0', p_max_attempts => 3, p_args => '{"after": "90 days"}');
