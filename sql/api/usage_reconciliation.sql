-- api.usage_reconciliation(): the billing periods to compare with Stripe's meter event
-- summaries (internal.usage_reconciliation_rows), for one tenant or all (null), periods
-- ending after p_since (default: 40 days ago, past Stripe's 35-day window) and the
-- current one. `ratecard stripe reconcile-usage` and the reconcile_usage job read it, ask
-- Stripe for each row's summary (meter_id, stripe_customer_id, window_start, window_end)
-- and hand the sums to api.record_usage_reconciliation.
create or replace function api.usage_reconciliation(
  p_tenant_id uuid default null, p_since timestamptz default null,
  p_settle interval default interval '10 minutes'
)
returns table (tenant_id uuid, feature text, stripe_customer_id text, meter_id text,
               period_start timestamptz, period_end timestamptz, window_start timestamptz,
               window_end timestamptz, ledger_units bigint, reported_units bigint,
               in_flight_units bigint, flagged_units bigint, stripe_low bigint,
               stripe_high bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select * from internal.usage_reconciliation_rows(
    p_tenant_id, coalesce(p_since, internal.now() - interval '40 days'),
    coalesce(p_settle, interval '10 minutes'))
$$;

comment on function api.usage_reconciliation(uuid, timestamptz, interval) is
  'Billing periods to reconcile with Stripe: ledger, reported, in-flight and flagged units, summary windows.';
grant execute on function api.usage_reconciliation(uuid, timestamptz, interval)
  to ratecard_service, ratecard_admin;
