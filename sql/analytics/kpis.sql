-- requires: analytics/revenue_periods.sql
-- analytics.kpis: the headline figures per currency (docs/analytics.md).
--   as of now: MRR, ARR (MRR x 12), paying customers, ARPA (MRR / paying, to the cent),
--   trial MRR;
--   for the last complete calendar month (rates_month): customer churn rate (customers who
--   churned / paying at the start), gross MRR churn rate ((churn + contraction) / MRR at
--   the start), net MRR churn rate ((churn + contraction - expansion - reactivation) / MRR
--   at the start; negative is net expansion), new customers, acquisition spend, CAC (spend
--   / new customers), usage revenue (metered lines of invoices paid in the month);
--   LTV = ARPA / the customer churn rate averaged over the 6 complete months up to
--   rates_month (months without paying customers at their start are skipped), null when
--   that average is 0; LTV:CAC; CAC payback months = CAC / ARPA.
-- Rates are fractions rounded to 6 places, ratios and months to 2; money to the cent.
create or replace view analytics.kpis
with (security_invoker = true)
as
  with n as (
    select internal.now() as now,
           (date_trunc('month', internal.now() at time zone 'UTC') - interval '1 month')::date
             as rm
  ), cur as (
    select r.* from n, analytics.revenue_periods('day', n.now, n.now) r
  ), months as (
    select r.* from n,
           analytics.revenue_periods('month', (n.rm - interval '5 months') at time zone 'UTC',
                                     n.rm::timestamp at time zone 'UTC') r
  ), avg_rate as (
    select m.currency, avg(m.churned_customers::numeric / m.paying_start) as rate
      from months m where m.paying_start > 0
     group by m.currency
  ), spend as (
    select s.currency, sum(s.amount_cents)::bigint as amount
      from core.acquisition_spend s, n where s.month = n.rm
     group by s.currency
  ), usage as (
    select i.currency, sum(i.usage_cents)::bigint as amount
      from core.invoices i, n
     where i.status = 'paid' and i.currency is not null
       and i.paid_at >= n.rm::timestamp at time zone 'UTC'
       and i.paid_at < (n.rm + interval '1 month') at time zone 'UTC'
     group by i.currency
  ), currencies as (
    select c.currency from cur c union select m.currency from months m
    union select s.currency from spend s union select u.currency from usage u
  ), base as (
    select c.currency, n.now as as_of, n.rm as rates_month,
           coalesce(cur.mrr_cents, 0) as mrr, coalesce(cur.paying_customers, 0) as paying,
           coalesce(cur.trial_mrr_cents, 0) as trial,
           case when cur.paying_customers > 0
                then round(cur.mrr_cents::numeric / cur.paying_customers)::bigint end as arpa,
           m.paying_start, m.mrr_start_cents, m.churned_customers, m.churn_cents,
           m.contraction_cents, m.expansion_cents, m.reactivation_cents,
           coalesce(m.new_customers, 0) as new_customers, a.rate as avg_rate,
           s.amount as spend, coalesce(u.amount, 0) as usage
      from currencies c
     cross join n
      left join cur on cur.currency = c.currency
      left join months m on m.currency = c.currency and m.period = n.rm
      left join avg_rate a on a.currency = c.currency
      left join spend s on s.currency = c.currency
      left join usage u on u.currency = c.currency
  ), calc as (
    select b.*,
           case when b.arpa is not null and b.avg_rate > 0
                then round(b.arpa / b.avg_rate)::bigint end as ltv,
           case when b.spend is not null and b.new_customers > 0
                then round(b.spend::numeric / b.new_customers)::bigint end as cac
      from base b
  )
  select c.currency, c.as_of, c.mrr::bigint as mrr_cents, (c.mrr * 12)::bigint as arr_cents,
         c.paying::integer as paying_customers, c.arpa as arpa_cents,
         round(c.churned_customers::numeric / nullif(c.paying_start, 0), 6)
           as customer_churn_rate,
         round((-c.churn_cents - c.contraction_cents)::numeric / nullif(c.mrr_start_cents, 0), 6)
           as gross_mrr_churn_rate,
         round((-c.churn_cents - c.contraction_cents - c.expansion_cents - c.reactivation_cents)::numeric
               / nullif(c.mrr_start_cents, 0), 6) as net_mrr_churn_rate,
         c.ltv as ltv_cents, c.cac as cac_cents,
         round(c.ltv::numeric / nullif(c.cac, 0), 2) as ltv_cac_ratio,
         round(c.cac::numeric / nullif(c.arpa, 0), 2) as cac_payback_months,
         c.trial::bigint as trial_mrr_cents, c.usage::bigint as usage_revenue_cents,
         c.rates_month, c.new_customers::integer as new_customers,
         c.spend as acquisition_spend_cents,
         round(c.avg_rate, 6) as avg_customer_churn_rate_6m
    from calc c
   order by c.currency;

comment on view analytics.kpis is
  'MRR, ARR, paying customers, ARPA, churn rates, LTV, CAC and more per currency (docs/analytics.md).';
grant select on analytics.kpis to ratecard_admin;
