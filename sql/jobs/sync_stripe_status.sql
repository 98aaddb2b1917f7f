-- Every live Stripe subscription read again from Stripe and applied as a snapshot, so a
-- lost webhook heals (jobs/billing.py: sync_stripe_status).
select internal.define_job('sync_stripe_status', 'queue',
  'Read every live subscription from Stripe and apply it, healing lost webhooks',
  p_schedule => '0 * * * *', p_max_attempts => 5, p_lease_seconds => 900,
  p_args => '{"page": 100}');
