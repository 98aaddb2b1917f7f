-- Usage events past each tenant's data retention go (internal.job_purge_retention).
select internal.define_job('purge_retention', 'sql',
  'Delete usage events older than each tenant''s data_retention_days, in batches',
  p_schedule => '45 3 * * *', p_max_attempts => 3, p_lease_seconds => 600,
  p_args => '{"feature": "data_retention_days", "batch": 5000}');
