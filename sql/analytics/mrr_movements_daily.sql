-- requires: analytics/revenue_periods.sql
-- analytics.mrr_movements_daily: the same movements per day (UTC): each tenant's MRR at the
-- end of the day against the end of the day before.
create or replace view analytics.mrr_movements_daily
with (security_invoker = true)
as
  select r.period as day, r.currency, r.new_cents, r.expansion_cents, r.contraction_cents,
         r.churn_cents, r.reactivation_cents, r.net_cents, r.new_customers,
         r.expansion_customers, r.contraction_customers, r.churned_customers,
         r.reactivated_customers, r.mrr_start_cents, r.mrr_cents as mrr_end_cents,
         r.paying_start, r.paying_customers as paying_end
    from analytics.revenue_periods('day', (select min(p.at) from core.mrr_points p
                                     where p.at <= internal.now()),
                                   internal.now()) r;

comment on view analytics.mrr_movements_daily is
  'MRR movements per day and currency; net = MRR at the end of the day minus the day before.';
grant select on analytics.mrr_movements_daily to ratecard_admin;
