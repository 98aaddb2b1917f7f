-- analytics.revenue_periods(): MRR levels and movements per day or calendar month (UTC)
-- and per currency, for the periods from p_from's to p_to's (the current period at most,
-- counted to now). The one computation behind every revenue view (docs/analytics.md).
--
-- Levels at a period's end (MRR, paying customers, trial MRR) are sums of the local deltas
-- that core.mrr_points keeps (each point knows the value before it), from the last closed
-- month's levels in core.revenue_months on. Movements compare each tenant's MRR, per
-- currency, at the end of the period with the end of the one before: new (0 to > 0, never
-- paid in that currency before the period), reactivation (0 to > 0, paid before), expansion,
-- contraction (> 0 to less, > 0), churn (> 0 to 0, negative). Their sum is the change of
-- MRR over the period. Closed months come from core.revenue_months as they were computed.
-- JIT is off: the planner cannot estimate the CTEs' sizes, overestimates by orders of
-- magnitude and would spend seconds compiling a query that runs in milliseconds.
create or replace function analytics.revenue_periods(
  p_grain text, p_from timestamptz, p_to timestamptz
)
returns table (
  period date, currency text, mrr_start_cents bigint, paying_start integer,
  mrr_cents bigint, paying_customers integer, trial_mrr_cents bigint,
  new_cents bigint, expansion_cents bigint, contraction_cents bigint, churn_cents bigint,
  reactivation_cents bigint, net_cents bigint, new_customers integer,
  expansion_customers integer, contraction_customers integer, churned_customers integer,
  reactivated_customers integer
)
language plpgsql
stable
set search_path = ''
set timezone = 'UTC'
set jit = off
as $$
declare
  v_now timestamptz := internal.now();
  v_step interval;
  v_first timestamptz;
  v_last timestamptz;
  v_closed_to date;
  v_live_from timestamptz;
  v_anchor_month date;
  v_anchor_at timestamptz;
begin
  if p_grain is null or p_grain not in ('day', 'month') then
    raise exception 'interval must be day or month, got %', coalesce(p_grain, 'null')
      using errcode = 'RC005';
  end if;
  if p_from is null or p_to is null then
    return;
  end if;
  if p_from > p_to then
    raise exception 'from (%) is after to (%)', p_from, p_to using errcode = 'RC005';
  end if;
  v_step := ('1 ' || p_grain)::interval;
  v_first := date_trunc(p_grain, p_from);
  v_last := least(date_trunc(p_grain, p_to), date_trunc(p_grain, v_now));
  if v_last < v_first then
    return;
  end if;
  if p_grain = 'day' and v_last - v_first > interval '3700 days' then
    raise exception 'at most 3700 days at a time' using errcode = 'RC005';
  end if;

  select max(r.month) into v_closed_to from core.revenue_months r;
  v_live_from := v_first;
  if p_grain = 'month' and v_closed_to is not null then
    return query
      select r.month, r.currency, r.mrr_start_cents, r.paying_start, r.mrr_end_cents,
             r.paying_end, r.trial_mrr_end_cents, r.new_cents, r.expansion_cents,
             r.contraction_cents, r.churn_cents, r.reactivation_cents,
             r.new_cents + r.expansion_cents + r.contraction_cents + r.churn_cents
               + r.reactivation_cents,
             r.new_customers, r.expansion_customers, r.contraction_customers,
             r.churned_customers, r.reactivated_customers
        from core.revenue_months r
       where r.month between v_first and least(v_last, v_closed_to)
       order by r.month, r.currency;
    v_live_from := greatest(v_first, v_closed_to + interval '1 month');
  end if;
  if v_live_from > v_last then
    return;
  end if;

  -- the levels just before v_live_from start from the last month closed by then
  select max(r.month) into v_anchor_month from core.revenue_months r
   where r.month + interval '1 month' <= v_live_from;
  v_anchor_at := coalesce(v_anchor_month + interval '1 month', '-infinity');

  return query
  with deltas as (
    select p.at, d.currency, d.mrr, d.paying, d.trial
      from core.mrr_points p
     cross join lateral (
       values (p.currency, p.mrr_cents, (p.mrr_cents > 0)::integer, p.trial_mrr_cents),
              (p.prev_currency, -p.prev_mrr_cents, -(p.prev_mrr_cents > 0)::integer,
               -p.prev_trial_mrr_cents)) d(currency, mrr, paying, trial)
     where p.at >= v_anchor_at and p.at < v_last + v_step and p.at <= v_now
       and d.currency is not null
  ), anchor as (
    select a.currency, sum(a.mrr)::bigint as mrr, sum(a.paying)::integer as paying,
           sum(a.trial)::bigint as trial
      from (select r.currency, r.mrr_end_cents as mrr, r.paying_end as paying,
                   r.trial_mrr_end_cents as trial
              from core.revenue_months r where r.month = v_anchor_month
            union all
            select d.currency, d.mrr, d.paying, d.trial
              from deltas d where d.at < v_live_from) a
     group by a.currency
  ), by_period as (
    select date_trunc(p_grain, d.at) as period, d.currency, sum(d.mrr)::bigint as mrr,
           sum(d.paying)::integer as paying, sum(d.trial)::bigint as trial
      from deltas d where d.at >= v_live_from
     group by 1, 2
  ), pts as (
    select p.* from core.mrr_points p
     where p.at >= v_live_from and p.at < v_last + v_step and p.at <= v_now
  ), firsts as (
    select distinct on (p.tenant_id, date_trunc(p_grain, p.at))
           p.tenant_id, date_trunc(p_grain, p.at) as period, p.prev_currency, p.prev_mrr_cents
      from pts p order by p.tenant_id, date_trunc(p_grain, p.at), p.at
  ), lasts as (
    select distinct on (p.tenant_id, date_trunc(p_grain, p.at))
           p.tenant_id, date_trunc(p_grain, p.at) as period, p.currency, p.mrr_cents,
           p.first_paid_at
      from pts p order by p.tenant_id, date_trunc(p_grain, p.at), p.at desc
  ), moves as (
    select f.period, c.currency,
           case when f.prev_currency = c.currency then f.prev_mrr_cents else 0 end as s,
           case when l.currency = c.currency then l.mrr_cents else 0 end as e,
           l.first_paid_at < f.period as paid_before
      from firsts f
      join lasts l on (l.tenant_id, l.period) = (f.tenant_id, f.period)
     cross join lateral (select distinct x as currency
                           from unnest(array[f.prev_currency, l.currency]) x
                          where x is not null) c
  ), mv as (
    select m.period, m.currency,
           sum(m.e) filter (where m.s = 0 and m.e > 0 and not coalesce(m.paid_before, false)) as new_c,
           count(*) filter (where m.s = 0 and m.e > 0 and not coalesce(m.paid_before, false)) as new_n,
           sum(m.e) filter (where m.s = 0 and m.e > 0 and m.paid_before) as react_c,
           count(*) filter (where m.s = 0 and m.e > 0 and m.paid_before) as react_n,
           sum(m.e - m.s) filter (where m.s > 0 and m.e > m.s) as exp_c,
           count(*) filter (where m.s > 0 and m.e > m.s) as exp_n,
           sum(m.e - m.s) filter (where m.s > 0 and m.e > 0 and m.e < m.s) as con_c,
           count(*) filter (where m.s > 0 and m.e > 0 and m.e < m.s) as con_n,
           sum(-m.s) filter (where m.s > 0 and m.e = 0) as churn_c,
           count(*) filter (where m.s > 0 and m.e = 0) as churn_n
      from moves m
     group by 1, 2
  ), currencies as (
    select a.currency from anchor a union select b.currency from by_period b
  ), grid as (
    select g.period, c.currency
      from generate_series(v_live_from, v_last, v_step) g(period)
     cross join currencies c
  ), levels as (
    select g.period, g.currency,
           coalesce(a.mrr, 0) + coalesce(sum(b.mrr) over w, 0) as mrr,
           coalesce(a.paying, 0) + coalesce(sum(b.paying) over w, 0) as paying,
           coalesce(a.trial, 0) + coalesce(sum(b.trial) over w, 0) as trial,
           a.currency is not null or count(b.period) over w > 0 as seen
      from grid g
      left join anchor a on a.currency = g.currency
      left join by_period b on (b.period, b.currency) = (g.period, g.currency)
    window w as (partition by g.currency order by g.period)
  )
  select l.period::date, l.currency,
         coalesce(lag(l.mrr) over w, (select a.mrr from anchor a where a.currency = l.currency), 0)::bigint,
         coalesce(lag(l.paying) over w, (select a.paying from anchor a where a.currency = l.currency), 0)::integer,
         l.mrr::bigint, l.paying::integer, l.trial::bigint,
         coalesce(m.new_c, 0)::bigint, coalesce(m.exp_c, 0)::bigint, coalesce(m.con_c, 0)::bigint,
         coalesce(m.churn_c, 0)::bigint, coalesce(m.react_c, 0)::bigint,
         (coalesce(m.new_c, 0) + coalesce(m.exp_c, 0) + coalesce(m.con_c, 0)
          + coalesce(m.churn_c, 0) + coalesce(m.react_c, 0))::bigint,
         coalesce(m.new_n, 0)::integer, coalesce(m.exp_n, 0)::integer,
         coalesce(m.con_n, 0)::integer, coalesce(m.churn_n, 0)::integer,
         coalesce(m.react_n, 0)::integer
    from levels l
    left join mv m on (m.period, m.currency) = (l.period, l.currency)
   where l.seen
  window w as (partition by l.currency order by l.period)
   order by 1, 2;
end
$$;

comment on function analytics.revenue_periods(text, timestamptz, timestamptz) is
  'MRR levels and movements per day or month and currency (closed months as materialised).';
grant execute on function analytics.revenue_periods(text, timestamptz, timestamptz) to ratecard_admin;
