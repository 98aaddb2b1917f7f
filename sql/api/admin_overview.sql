-- api.admin_overview(): the admin dashboard's overview (GET /admin) as one JSON document:
--
--   currency     the currency shown: p_currency, else the one with the most MRR (usd when
--                there is none)
--   currencies   every currency with revenue, for the switch
--   kpis         analytics.kpis in that currency (MRR, ARR, customers, churn, LTV, CAC...),
--                or null before any revenue
--   months       the last 12 calendar months (this one counted to now) from
--                analytics.revenue_periods: MRR at each month's end and its movements, for
--                the MRR line chart and the movements bar chart
--   stats        analytics.subscription_stats (subscriptions by status, tenants)
--   plans        analytics.plan_distribution in that currency (and tenants on no plan)
--   attention    what needs an administrator: Stripe events still waiting (pending,
--                failed, unknown customer), past-due and restricted subscriptions, the
--                platform's health status and its warnings
-- Errors: RC005 a currency that is not three lower-case letters.
create or replace function api.admin_overview(p_currency text default null)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
set timezone = 'UTC'
as $$
declare
  v_now timestamptz := internal.now();
  v_currency text;
  v_from timestamptz;
  v_health jsonb;
begin
  if p_currency is not null and p_currency !~ '^[a-z]{3}$' then
    raise exception 'invalid currency %', p_currency
      using errcode = 'RC005', hint = 'a lower-case ISO 4217 code such as usd';
  end if;
  v_currency := coalesce(p_currency,
                         (select k.currency from analytics.kpis k
                           order by k.mrr_cents desc, k.currency limit 1),
                         'usd');
  v_from := date_trunc('month', v_now at time zone 'utc') at time zone 'utc' - interval '11 months';
  v_health := analytics.platform_health();
  return jsonb_build_object(
    'currency', v_currency,
    'currencies', (select coalesce(jsonb_agg(k.currency order by k.currency), '[]'::jsonb)
                     from analytics.kpis k),
    'kpis', (select to_jsonb(k) from analytics.kpis k where k.currency = v_currency),
    'months', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'month', m.month, 'mrr_cents', coalesce(r.mrr_cents, 0),
               'paying_customers', coalesce(r.paying_customers, 0),
               'new_cents', coalesce(r.new_cents, 0),
               'expansion_cents', coalesce(r.expansion_cents, 0),
               'reactivation_cents', coalesce(r.reactivation_cents, 0),
               'contraction_cents', coalesce(r.contraction_cents, 0),
               'churn_cents', coalesce(r.churn_cents, 0),
               'net_cents', coalesce(r.net_cents, 0)) order by m.month), '[]'::jsonb)
        from generate_series(v_from, v_now, interval '1 month') g(at)
       cross join lateral (select (g.at at time zone 'utc')::date as month) m
        left join analytics.revenue_periods('month', v_from, v_now) r
          on r.period = m.month and r.currency = v_currency),
    'stats', (select to_jsonb(s) - 'by_plan' - 'revenue' from analytics.subscription_stats s),
    'plans', (select coalesce(jsonb_agg(to_jsonb(p) order by p.mrr_cents desc, p.plan, p.status),
                              '[]'::jsonb)
                from analytics.plan_distribution p
               where p.currency = v_currency or p.currency is null),
    'attention', jsonb_build_object(
      'stripe_events_waiting', (select count(*) from core.stripe_events e
                                 where e.status in ('pending', 'failed', 'unknown_customer')),
      'past_due', (select count(*) from core.subscriptions s where s.status = 'past_due'),
      'restricted', (select count(*) from core.subscriptions s where s.restricted),
      'suspended', (select count(*) from core.tenants t where t.status = 'suspended'),
      'health', v_health->'status',
      'warnings', coalesce((select jsonb_agg(r) from jsonb_array_elements(v_health->'recommendations') r
                             where r->>'severity' in ('warning', 'critical')), '[]'::jsonb))
  );
end
$$;

comment on function api.admin_overview(text) is
  'The admin overview as one JSON document: KPIs, 12 months of MRR and movements, subscription stats, plans, what needs attention.';
grant execute on function api.admin_overview(text) to ratecard_admin;
