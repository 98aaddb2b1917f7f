-- api.usage_drift: periods whose billed usage disagreed between the ledger, the reports
-- sent and Stripe's meter summary when reconciliation last looked (open: resolved_at is
-- null), newest first. The difference Stripe shows is stripe_units - reported_units.
create or replace view api.usage_drift
with (security_invoker = true)
as
  select d.tenant_id, d.feature, d.period_start, d.period_end, d.ledger_units,
         d.reported_units, d.in_flight_units, d.flagged_units, d.stripe_units,
         d.stripe_units - d.reported_units as stripe_difference,
         d.ledger_units - d.reported_units - d.in_flight_units - d.flagged_units
           as ledger_difference,
         d.first_seen_at, d.checked_at, d.resolved_at
    from core.usage_drift d
   order by d.checked_at desc, d.tenant_id, d.feature, d.period_start;

comment on view api.usage_drift is
  'Reconciliation drift per tenant, feature and billing period (open when resolved_at is null).';
grant select on api.usage_drift to ratecard_admin;
