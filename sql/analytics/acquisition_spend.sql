-- analytics.acquisition_spend: acquisition spend per month, channel and currency (CAC).
create or replace view analytics.acquisition_spend
with (security_invoker = true)
as
  select s.month, s.channel, s.currency, s.amount_cents, s.recorded_at
    from core.acquisition_spend s;

comment on view analytics.acquisition_spend is 'Acquisition spend per month and channel (for CAC).';
grant select on analytics.acquisition_spend to ratecard_admin;
