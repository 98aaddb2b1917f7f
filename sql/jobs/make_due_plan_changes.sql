-- Scheduled downgrades made in Stripe when due (jobs/billing.py: make_due_plan_changes).
select internal.define_job('make_due_plan_changes', 'queue',
  'Make due scheduled plan changes in Stripe (new price, no proration)',
  p_schedule => '* * * * *', p_max_attempts => 5, p_lease_seconds => 300);
