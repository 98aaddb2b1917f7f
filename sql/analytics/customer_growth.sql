-- requires: analytics/revenue_periods.sql
-- analytics.customer_growth: per calendar month (UTC), the tenants that existed at its end,
-- the tenants created in it, and the paying customers at its end (any currency; a tenant
-- bills in one currency at a time). The current month is counted to now.
create or replace view analytics.customer_growth
with (security_invoker = true)
as
  with n as (select internal.now() as now),
  months as (
    select g.month::date as month
      from n, generate_series(
             date_trunc('month', (select min(t.created_at) from core.tenants t) at time zone 'UTC'),
             date_trunc('month', n.now at time zone 'UTC'), interval '1 month') g(month)
  ), paying as (
    select r.period, sum(r.paying_customers)::integer as paying
      from n, analytics.revenue_periods(
                    'month', (select min(p.at) from core.mrr_points p where p.at <= n.now),
                    n.now) r
     group by r.period
  )
  select m.month,
         (select count(*) from core.tenants t
           where t.created_at < (m.month + interval '1 month')::timestamp at time zone 'UTC'
             and t.created_at <= n.now)::integer as tenants_total,
         coalesce(p.paying, 0) as paying_customers,
         (select count(*) from core.tenants t
           where t.created_at >= m.month::timestamp at time zone 'UTC'
             and t.created_at < (m.month + interval '1 month')::timestamp at time zone 'UTC'
             and t.created_at <= n.now)::integer as new_tenants
    from months m
   cross join n
    left join paying p on p.period = m.month
   order by m.month;

comment on view analytics.customer_growth is
  'Tenants (total and new) and paying customers per month.';
grant select on analytics.customer_growth to ratecard_admin;
