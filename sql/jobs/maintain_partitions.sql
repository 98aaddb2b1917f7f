-- Usage ledger partitions ahead of time: internal.job_maintain_partitions.
select internal.define_job('maintain_partitions', 'sql',
  'Create the usage ledger''s monthly partitions three months ahead',
  p_schedule => '15 3 * * *', p_max_attempts => 3, p_lease_seconds => 1800);
