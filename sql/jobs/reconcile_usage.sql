-- Every day: each tenant's billed usage per billing period, ledger against the reports sent
-- and Stripe's meter summaries; drift is recorded (jobs/metering.py: reconcile_usage,
-- api.record_usage_reconciliation, GET /v1/admin/usage-drift).
select internal.define_job('reconcile_usage', 'queue',
  'Compare billed usage with Stripe''s meter summaries; record drift',
  p_schedule => '20 2 * * *', p_max_attempts => 3, p_lease_seconds => 900);
