-- api.close_revenue_months(): materialise every calendar month (UTC) that ended more than
-- an hour ago and is not closed yet into core.revenue_months: its movements and its levels
-- per currency, as analytics.revenue_periods computes them from core.mrr_points. A closed
-- month never changes: the points before its end are final once it has passed (a later
-- change only replaces points after itself), and the hour leaves time for transactions
-- that began before midnight to commit. Monthly movements and KPIs then read one row per
-- closed month instead of the timeline. Idempotent; meant to run daily (a schedule, or by
-- hand); the views give the same figures whether it has run or not.
create or replace function api.close_revenue_months()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
set timezone = 'UTC'
as $$
declare
  v_to date := (date_trunc('month', internal.now() - interval '1 hour') - interval '1 month')::date;
  v_from date;
  v_count integer;
begin
  -- one closer at a time
  perform pg_advisory_xact_lock(hashtextextended('ratecard.close_revenue_months', 0));
  select coalesce(max(r.month) + interval '1 month',
                  date_trunc('month', (select min(p.at) from core.mrr_points p)))::date
    into v_from
    from core.revenue_months r;
  if v_from is null or v_from > v_to then
    return 0;
  end if;
  insert into core.revenue_months
    (month, currency, mrr_start_cents, paying_start, mrr_end_cents, paying_end,
     trial_mrr_end_cents, new_cents, expansion_cents, contraction_cents, churn_cents,
     reactivation_cents, new_customers, expansion_customers, contraction_customers,
     churned_customers, reactivated_customers, closed_at)
  select r.period, r.currency, r.mrr_start_cents, r.paying_start, r.mrr_cents,
         r.paying_customers, r.trial_mrr_cents, r.new_cents, r.expansion_cents,
         r.contraction_cents, r.churn_cents, r.reactivation_cents, r.new_customers,
         r.expansion_customers, r.contraction_customers, r.churned_customers,
         r.reactivated_customers, internal.now()
    from analytics.revenue_periods('month', v_from, v_to) r;
  get diagnostics v_count = row_count;
  return (select count(distinct r.month)::integer from core.revenue_months r
           where r.month between v_from and v_to);
end
$$;

comment on function api.close_revenue_months() is
  'Materialise ended calendar months'' MRR movements and levels (idempotent; returns months closed).';
grant execute on function api.close_revenue_months() to ratecard_admin;
