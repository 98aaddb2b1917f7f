-- Billed usage reaches Stripe: unreported billed ledger rows are claimed into usage
-- reports and a send_usage_reports run is queued per tenant (internal.job_report_usage).
-- The cadence is this schedule (change it with api.set_job_schedule or ratecard jobs
-- schedule); the batch of tenants per step is job data ({"tenants": 100}).
select internal.define_job('report_usage', 'sql',
  'Claim unreported billed usage into usage reports; queue their sending to Stripe',
  p_schedule => '*/10 * * * *', p_max_attempts => 3, p_lease_seconds => 300,
  p_args => '{"tenants": 100}');
