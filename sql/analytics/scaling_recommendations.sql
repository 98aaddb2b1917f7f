-- requires: analytics/infrastructure_tiers.sql
-- requires: analytics/growth_trends.sql
-- analytics.scaling_recommendations: advice from rules over the latest capacity snapshot
-- (seeds 003/004), most severe first:
--   * capacity: a feature whose usage is at 95% or more of its theoretical capacity (the
--     sum of finite limits) is critical, at 80% or more a warning;
--   * infrastructure: the current tier by number of tenants (info, with the next upgrade
--     trigger); at 80% or more of the tier's maximum, a warning to plan the next tier; a
--     30-day growth projection past the maximum, a warning; database plus stored objects at
--     80% or more of the tier's storage, a warning;
--   * operations: no snapshot yet (info), or none in the last 2 days (warning).
create or replace view analytics.scaling_recommendations
with (security_invoker = true)
as
  with n as (select (internal.now() at time zone 'UTC')::date as today),
  s as (
    select x.* from core.capacity_snapshots x order by x.snapshot_date desc limit 1
  ), tier as (
    select t.* from analytics.infrastructure_tiers t, s
     where s.tenants_total >= t.min_tenants
       and (t.max_tenants is null or s.tenants_total <= t.max_tenants)
  ), nxt as (
    select t.* from analytics.infrastructure_tiers t, tier where t.tier = tier.tier + 1
  ), growth as (
    select g.monthly_projection from analytics.growth_trends(30) g
     where g.metric = 'tenants_total'
  ), rules as (
    select case when (f.value->>'utilisation_pct')::numeric >= 95 then 'critical'
                else 'warning' end as severity,
           'capacity' as category,
           initcap(replace(f.key, '_', ' ')) || ' capacity '
             || case when (f.value->>'utilisation_pct')::numeric >= 95 then 'nearly exhausted'
                     else 'approaching limit' end as title,
           format('Currently at %s%% of theoretical %s capacity (%s of %s)',
                  f.value->>'utilisation_pct', f.key, f.value->>'actual_within_limits',
                  f.value->>'theoretical_limit') as description,
           'Consider upgrading tenant plans or raising limits, and add capacity' as action
      from s cross join jsonb_each(s.features) f
     where (f.value->>'utilisation_pct')::numeric >= 80
    union all
    select 'info', 'infrastructure', 'Current tier: ' || tier.name,
           format('%s tenants; %s vCPU, %s GB RAM, %s GB storage, %s. %s',
                  s.tenants_total, tier.vcpu, tier.ram_gb, tier.storage_gb, tier.database,
                  case when tier.max_tenants is null then 'This is the largest tier.'
                       else format('Next upgrade trigger: %s tenants', tier.max_tenants + 1) end),
           'Monitor growth and plan for infrastructure scaling'
      from s, tier
    union all
    select 'warning', 'infrastructure', 'Approaching the ' || nxt.name || ' tier',
           format('%s tenants, %s%% of the %s tier''s %s', s.tenants_total,
                  round(s.tenants_total * 100.0 / tier.max_tenants), tier.name, tier.max_tenants),
           format('Plan the move to %s vCPU, %s GB RAM, %s GB storage, %s',
                  nxt.vcpu, nxt.ram_gb, nxt.storage_gb, nxt.database)
      from s, tier, nxt
     where s.tenants_total * 100 >= tier.max_tenants * 80
    union all
    select 'warning', 'infrastructure', 'Growth passes the ' || tier.name || ' tier within a month',
           format('Projected %s tenants in 30 days at the last 30 days'' rate (tier maximum %s)',
                  growth.monthly_projection, tier.max_tenants),
           'Schedule the upgrade to the ' || nxt.name || ' tier now'
      from s, tier, nxt, growth
     where growth.monthly_projection > tier.max_tenants
    union all
    select 'warning', 'infrastructure', 'Storage approaching the tier''s disk',
           format('Database %s and stored objects %s: %s%% of %s GB',
                  pg_catalog.pg_size_pretty(s.db_size_bytes), pg_catalog.pg_size_pretty(s.storage_bytes),
                  round((s.db_size_bytes + s.storage_bytes) * 100.0 / (tier.storage_gb * 1e9)),
                  tier.storage_gb),
           'Add storage or move to the next tier'
      from s, tier
     where (s.db_size_bytes + s.storage_bytes) >= tier.storage_gb * 1e9 * 0.8
    union all
    select 'info', 'operations', 'No capacity snapshot yet',
           'Trends and recommendations need daily capacity snapshots',
           'Capture one with api.capture_capacity_snapshot() and schedule it daily'
     where not exists (select from s)
    union all
    select 'warning', 'operations', 'Capacity snapshots are stale',
           format('The latest snapshot is from %s', s.snapshot_date),
           'Check the daily capacity snapshot job'
      from s, n
     where s.snapshot_date < n.today - 2
  )
  select r.severity, r.category, r.title, r.description, r.action
    from rules r
   order by case r.severity when 'critical' then 0 when 'warning' then 1 else 2 end,
            r.category, r.title;

comment on view analytics.scaling_recommendations is
  'Scaling advice (severity, category, title, description, action) from rules over the latest capacity snapshot.';
grant select on analytics.scaling_recommendations to ratecard_admin;
