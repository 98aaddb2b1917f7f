-- A tenant's usage reports sent to Stripe as meter events (jobs/metering.py:
-- send_usage_reports). One run per tenant at a time (the lock): one request per customer
-- and meter at a time, as Stripe asks. Queued by report_usage.
select internal.define_job('send_usage_reports', 'queue',
  'Send a tenant''s pending usage reports to Stripe as meter events',
  p_max_attempts => 8, p_lease_seconds => 120, p_lock_on => '{tenant_id}',
  p_backoff_seconds => 15, p_backoff_max_seconds => 1800);
