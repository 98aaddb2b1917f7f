-- Usage ledger partitions: created ahead of time, and months past the longest retention
-- detached and dropped (internal.job_maintain_partitions).
select internal.define_job('maintain_partitions', 'sql',
  'Create the usage ledger''s monthly partitions ahead; drop months past every retention',
  p_schedule => '15 3 * * *', p_max_attempts => 3, p_lease_seconds => 1800,
  p_args => '{"months_ahead": 3, "feature": "data_retention_days"}');
