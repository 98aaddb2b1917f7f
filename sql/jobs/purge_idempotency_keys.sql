-- Idempotency keys past the replay window go (internal.job_purge_idempotency_keys); the
-- window is an argument an operator may change: api.set_job_args('purge_idempotency_keys',
-- '{"older_than": "30 days"}').
select internal.define_job('purge_idempotency_keys', 'sql',
  'Delete idempotency keys older than the window (default 7 days), in batches',
  p_schedule => '30 3 * * *', p_max_attempts => 3, p_lease_seconds => 600,
  p_args => '{"older_than": "7 days", "batch": 5000}');
