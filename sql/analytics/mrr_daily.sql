-- requires: analytics/revenue_periods.sql
-- analytics.mrr_daily: MRR, paying customers and trial MRR per currency at the end of every
-- day (UTC) from the first recorded change to today (today: as of now).
create or replace view analytics.mrr_daily
with (security_invoker = true)
as
  select r.period as day, r.currency, r.mrr_cents, r.paying_customers, r.trial_mrr_cents
    from analytics.revenue_periods('day', (select min(p.at) from core.mrr_points p
                                     where p.at <= internal.now()),
                                   internal.now()) r;

comment on view analytics.mrr_daily is
  'MRR, paying customers and trial MRR per day (end of day, UTC) and currency.';
grant select on analytics.mrr_daily to ratecard_admin;
