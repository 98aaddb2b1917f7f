-- requires: analytics/revenue_periods.sql
-- analytics.mrr_movements: MRR movements per calendar month (UTC) and currency: new,
-- expansion, contraction, churn, reactivation and net (their sum, the change of MRR over
-- the month), with the customers behind them and the MRR at the month's start and end.
-- The current month is counted to now.
create or replace view analytics.mrr_movements
with (security_invoker = true)
as
  select r.period as month, r.currency, r.new_cents, r.expansion_cents, r.contraction_cents,
         r.churn_cents, r.reactivation_cents, r.net_cents, r.new_customers,
         r.expansion_customers, r.contraction_customers, r.churned_customers,
         r.reactivated_customers, r.mrr_start_cents, r.mrr_cents as mrr_end_cents,
         r.paying_start, r.paying_customers as paying_end
    from analytics.revenue_periods('month', (select min(p.at) from core.mrr_points p
                                     where p.at <= internal.now()),
                                   internal.now()) r;

comment on view analytics.mrr_movements is
  'MRR movements per month and currency; net = MRR at the end minus MRR at the start.';
grant select on analytics.mrr_movements to ratecard_admin;
