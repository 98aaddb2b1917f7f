-- Ended months of revenue analytics materialised (internal.job_close_revenue_months).
select internal.define_job('close_revenue_months', 'sql',
  'Materialise ended months'' MRR movements and levels for the revenue analytics',
  p_schedule => '30 0 * * *', p_max_attempts => 3, p_lease_seconds => 1800);
