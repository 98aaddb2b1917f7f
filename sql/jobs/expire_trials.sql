-- Trials that ended without a payment method lapse to the free plan (the safety net when
-- Stripe has said nothing): internal.job_expire_trials.
select internal.define_job('expire_trials', 'sql',
  'Lapse trials that ended more than an hour ago without a payment method',
  p_schedule => '*/5 * * * *', p_max_attempts => 3);
