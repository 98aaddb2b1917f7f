-- Pending uploads that S3 never confirmed release their reserved bytes; old tombstones,
-- storage history and reconciliation runs are purged (internal.job_expire_storage_uploads).
select internal.define_job('expire_storage_uploads', 'sql',
  'Release the bytes of pending uploads that never arrived; purge old storage records',
  p_schedule => '*/5 * * * *', p_args => '{"batch": 1000, "keep_runs": "30 days"}');
