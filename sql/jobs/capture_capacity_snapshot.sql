-- Today's platform capacity row for trends and recommendations
-- (internal.job_capture_capacity_snapshot).
select internal.define_job('capture_capacity_snapshot', 'sql',
  'Record today''s platform capacity snapshot (trends, recommendations)',
  p_schedule => '35 0 * * *', p_max_attempts => 3, p_lease_seconds => 1800);
