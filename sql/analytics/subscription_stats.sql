-- requires: analytics/kpis.sql
-- requires: analytics/plan_distribution.sql
-- analytics.subscription_stats: one row of subscription statistics for the admin overview
-- (seed 004): subscriptions by status, tenants and MRR by plan, and per currency MRR, ARR,
-- paying customers and trial MRR as in analytics.kpis.
create or replace view analytics.subscription_stats
with (security_invoker = true)
as
  select (select count(*) from core.subscriptions)::integer as total_subscriptions,
         (select count(*) from core.tenants)::integer as total_tenants,
         coalesce((select jsonb_object_agg(x.status, x.n)
                     from (select s.status, count(*) as n from core.subscriptions s
                            group by s.status) x), '{}') as by_status,
         coalesce((select jsonb_agg(to_jsonb(p) order by p.plan, p.status, p.currency)
                     from analytics.plan_distribution p), '[]') as by_plan,
         coalesce((select jsonb_agg(jsonb_build_object(
                            'currency', k.currency, 'mrr_cents', k.mrr_cents,
                            'arr_cents', k.arr_cents, 'paying_customers', k.paying_customers,
                            'arpa_cents', k.arpa_cents, 'trial_mrr_cents', k.trial_mrr_cents)
                          order by k.currency)
                     from analytics.kpis k), '[]') as revenue;

comment on view analytics.subscription_stats is
  'Subscriptions by status, tenants and MRR by plan, and MRR/ARR per currency (one row).';
grant select on analytics.subscription_stats to ratecard_admin;
