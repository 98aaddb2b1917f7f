-- The Stripe retry sweep: stored events that failed or waited for their customer, applied
-- when their backoff is over (internal.job_retry_stripe_events).
select internal.define_job('retry_stripe_events', 'sql',
  'Apply stored Stripe events that failed or waited for their customer',
  p_schedule => '* * * * *', p_max_attempts => 3);
