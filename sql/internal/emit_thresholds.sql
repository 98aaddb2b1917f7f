-- internal.emit_thresholds(): write one outbox row for each of 80%, 95% and 100% of p_limit
-- that usage crossed going from p_old to p_new. The partial unique index
-- notifications_threshold_once makes it once per tenant, feature, period and threshold, also
-- when two transactions cross at the same moment. Gauges pass the calendar month as period,
-- so a level that falls and rises again warns again next month, not on every wiggle.
create or replace function internal.emit_thresholds(
  p_tenant_id uuid, p_feature text, p_period timestamptz, p_limit bigint,
  p_old bigint, p_new bigint, p_now timestamptz
)
returns integer
language sql
volatile
set search_path = ''
as $$
  with crossed as (
    insert into core.notifications
      (tenant_id, kind, feature, period_start, threshold, payload, created_at)
    select p_tenant_id, 'threshold', p_feature, p_period, t.pct,
           pg_catalog.jsonb_build_object('limit', p_limit, 'used', p_new, 'percent', t.pct),
           p_now
      from (values (80), (95), (100)) t(pct)
     where p_limit > 0
       and p_old * 100 < p_limit * t.pct
       and p_new * 100 >= p_limit * t.pct
    on conflict (tenant_id, feature, period_start, threshold) where kind = 'threshold'
    do nothing
    returning 1
  )
  select count(*)::integer from crossed
$$;

comment on function internal.emit_thresholds(uuid, text, timestamptz, bigint, bigint, bigint,
  timestamptz) is 'Outbox rows for 80/95/100% crossings, once per period and threshold.';
