-- requires: analytics/revenue_periods.sql
-- analytics.revenue_forecast: MRR 3, 6 and 12 months after the last complete calendar
-- month, per currency, from a least-squares line through the end-of-month MRR of the
-- trailing 12 complete months (months before the currency's first revenue are left out;
-- at least 2 months are needed). x is the month's offset from the last complete month
-- (-11 .. 0), so the forecast for h months ahead is intercept + slope x h, never below 0,
-- rounded to the cent. slope and intercept are regr_slope and regr_intercept, computed in
-- exact numeric arithmetic so every figure can be checked by hand.
create or replace view analytics.revenue_forecast
with (security_invoker = true)
as
  with n as (
    select (date_trunc('month', internal.now() at time zone 'UTC') - interval '1 month')::date as rm
  ), m as (
    select r.currency, r.mrr_cents::numeric as y,
           ((extract(year from r.period) - extract(year from n.rm)) * 12
            + extract(month from r.period) - extract(month from n.rm))::numeric as x
      from n, analytics.revenue_periods('month', (n.rm - interval '11 months') at time zone 'UTC',
                                        n.rm::timestamp at time zone 'UTC') r
  ), fit as (
    select m.currency, count(*) as k, sum(m.x) as sx, sum(m.y) as sy, sum(m.x * m.x) as sxx,
           sum(m.x * m.y) as sxy
      from m group by m.currency
     having count(*) >= 2
  )
  select (n.rm + make_interval(months => h.h))::date as month, f.currency,
         greatest(0, round((f.sy * f.sxx - f.sx * f.sxy + (f.k * f.sxy - f.sx * f.sy) * h.h)
                           / (f.k * f.sxx - f.sx * f.sx)))::bigint as forecast_mrr_cents,
         round((f.k * f.sxy - f.sx * f.sy) / (f.k * f.sxx - f.sx * f.sx))::bigint
           as slope_cents_per_month,
         f.k::integer as months_used, h.h as horizon_months
    from fit f
   cross join n
   cross join (values (3), (6), (12)) h(h)
   order by f.currency, h.h;

comment on view analytics.revenue_forecast is
  'MRR forecast 3, 6 and 12 months ahead per currency from the trailing 12 months'' trend.';
grant select on analytics.revenue_forecast to ratecard_admin;
