-- api.measure_capacity(): the platform's capacity now (seeds 003/004), as one JSON object:
--   tenants_total, tenants_active (not suspended), tenants_trialing (subscription trialing);
--   subscriptions_by_status and total_subscriptions; tier_distribution (tenants per plan
--   in force: the subscription's plan while trialing, active or past_due and not
--   restricted, else the default plan);
--   features: for every metered and gauge feature, over tenants where it is enabled,
--   `actual` (used this period, or the gauge's level), `theoretical_limit` (the sum of
--   finite effective limits), `unlimited_tenants`, `actual_within_limits` (used by tenants
--   with a finite limit), `utilisation_pct` (actual_within_limits / theoretical_limit, in
--   percent, 2 places) and `headroom` (theoretical_limit - actual_within_limits);
--   storage_bytes (tracked objects) and db_size_bytes (this database).
-- Security definer: it reads every tenant's entitlements and the database size, which the
-- admin role cannot (it has no CONNECT on the database). api.capture_capacity_snapshot
-- stores it once a day.
create or replace function api.measure_capacity()
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with ent as (
    select e.feature, e.kind, e.enabled, e."limit", coalesce(e.used, 0) as used
      from internal.entitlement_rows(null, null) e
     where e.kind in ('metered', 'gauge') and e.enabled
  ), feat as (
    select f.code, f.kind, f.unit,
           coalesce(sum(e.used), 0) as actual,
           coalesce(sum(e."limit"), 0) as theoretical,
           count(*) filter (where e.feature is not null and e."limit" is null) as unlimited,
           coalesce(sum(e.used) filter (where e."limit" is not null), 0) as within,
           count(e.feature) as tenants
      from core.features f
      left join ent e on e.feature = f.code
     where f.kind in ('metered', 'gauge')
     group by f.code, f.kind, f.unit
  ), subs as (
    select s.status, count(*) as n from core.subscriptions s group by s.status
  ), tiers as (
    select coalesce(case when s.status in ('trialing', 'active')
                           or (s.status = 'past_due' and not s.restricted) then s.plan end,
                    (select p.code from core.plans p where p.is_default), 'none') as plan,
           count(*) as n
      from core.tenants t
      left join core.subscriptions s on s.tenant_id = t.tenant_id
     group by 1
  )
  select jsonb_build_object(
    'measured_at', internal.now(),
    'tenants_total', (select count(*) from core.tenants),
    'tenants_active', (select count(*) from core.tenants t where t.status = 'active'),
    'tenants_trialing', (select count(*) from core.subscriptions s where s.status = 'trialing'),
    'total_subscriptions', (select count(*) from core.subscriptions),
    'subscriptions_by_status', coalesce((select jsonb_object_agg(s.status, s.n) from subs s), '{}'),
    'tier_distribution', coalesce((select jsonb_object_agg(x.plan, x.n) from tiers x), '{}'),
    'features', coalesce((select jsonb_object_agg(f.code, jsonb_build_object(
        'kind', f.kind, 'unit', f.unit, 'tenants', f.tenants, 'actual', f.actual,
        'theoretical_limit', f.theoretical, 'unlimited_tenants', f.unlimited,
        'actual_within_limits', f.within,
        'utilisation_pct', case when f.theoretical > 0
                                then round(f.within * 100.0 / f.theoretical, 2) end,
        'headroom', f.theoretical - f.within)) from feat f), '{}'),
    'storage_bytes', (select coalesce(sum(o.size_bytes), 0) from core.storage_objects o),
    'db_size_bytes', pg_catalog.pg_database_size(pg_catalog.current_database()))
$$;

comment on function api.measure_capacity() is
  'Platform capacity now: tenants, subscriptions, tiers, feature usage against theoretical limits, sizes.';
grant execute on function api.measure_capacity() to ratecard_admin;
