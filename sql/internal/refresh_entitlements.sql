-- internal.refresh_entitlements(): recompute core.entitlements for the given tenants.
--
-- core.entitlements is derived data: for every (tenant, feature) the plan in force, the
-- plan's limit (times seats for per-seat limits) plus add-on grants, the overage rules and
-- any override. Triggers on every input table call this, so it is always in step within
-- the same transaction, and check_quota reads one row instead of joining six tables.
--
-- The plan in force: the subscription's plan while it is trialing, active, or past_due and
-- not yet restricted by dunning; otherwise (no subscription, canceled, unpaid, incomplete,
-- restricted) the default plan. A suspended
-- tenant has every feature disabled. When the plan has no enabled row for a feature, only
-- add-on grants count, as a hard (block) limit. Only rows that change are written.
create or replace function internal.refresh_entitlements(p_tenant_ids uuid[])
returns integer
language sql
volatile
set search_path = ''
as $$
  with tenant as (
    select t.tenant_id, t.status as tenant_status,
           case when s.plan_in_force then s.plan
                else (select p.code from core.plans p where p.is_default) end as plan,
           case when s.plan_in_force then s.seats else 1 end as seats,
           case when s.plan_in_force then s.current_period_start end as anchor,
           case when s.plan_in_force then s.billing_interval end as period_interval
      from core.tenants t
      left join lateral (
        select x.*, x.status in ('trialing', 'active')
                    or (x.status = 'past_due' and not x.restricted) as plan_in_force
          from core.subscriptions x where x.tenant_id = t.tenant_id
      ) s on true
     where t.tenant_id = any (p_tenant_ids)
  ),
  addon as (
    select ta.tenant_id, g.feature, sum(g.quantity * ta.quantity)::bigint as quantity
      from core.tenant_addons ta
      join core.addon_grants g on g.addon = ta.addon
      join core.addons a on a.code = ta.addon
     where ta.tenant_id = any (p_tenant_ids)
       and ta.status = 'active'
     group by ta.tenant_id, g.feature
  ),
  computed as (
    select t.tenant_id, f.code as feature, f.kind, f.reset, f.durable, t.plan,
           t.tenant_status = 'active'
             and (coalesce(pl.enabled, false) or coalesce(ad.quantity, 0) > 0) as base_enabled,
           case when f.kind = 'switch' then null
                when pl.plan is null or not pl.enabled then coalesce(ad.quantity, 0)
                when pl.limit_value is null then null
                else pl.limit_value * case when pl.per_seat then t.seats else 1 end
                     + coalesce(ad.quantity, 0)
           end as base_limit,
           coalesce(ad.quantity, 0) as addon_quantity,
           -- Without an enabled plan row, add-on grants are hard limits.
           case when pl.enabled then pl.overage else 'block' end as overage,
           case when pl.enabled then pl.buffer_pct else 0 end as buffer_pct,
           case when pl.enabled then pl.grace end as grace,
           t.anchor as period_anchor,
           t.period_interval,
           case when t.tenant_status = 'active' then o.enabled end as override_enabled,
           o.limit_value as override_limit,
           o.expires_at as override_expires_at
      from tenant t
      cross join core.features f
      left join core.plan_limits pl on pl.plan = t.plan and pl.feature = f.code
      left join addon ad on ad.tenant_id = t.tenant_id and ad.feature = f.code
      left join core.overrides o on o.tenant_id = t.tenant_id and o.feature = f.code
  ),
  upserted as (
    insert into core.entitlements as e
      (tenant_id, feature, kind, reset, durable, plan, base_enabled, base_limit,
       addon_quantity, overage, buffer_pct, grace, period_anchor, period_interval,
       override_enabled, override_limit, override_expires_at)
    select * from computed
    on conflict (tenant_id, feature) do update set
      kind = excluded.kind, reset = excluded.reset, durable = excluded.durable,
      plan = excluded.plan, base_enabled = excluded.base_enabled,
      base_limit = excluded.base_limit, addon_quantity = excluded.addon_quantity,
      overage = excluded.overage, buffer_pct = excluded.buffer_pct, grace = excluded.grace,
      period_anchor = excluded.period_anchor, period_interval = excluded.period_interval,
      override_enabled = excluded.override_enabled, override_limit = excluded.override_limit,
      override_expires_at = excluded.override_expires_at
    where (e.kind, e.reset, e.durable, e.plan, e.base_enabled, e.base_limit,
           e.addon_quantity, e.overage, e.buffer_pct, e.grace, e.period_anchor,
           e.period_interval, e.override_enabled, e.override_limit, e.override_expires_at)
          is distinct from
          (excluded.kind, excluded.reset, excluded.durable, excluded.plan,
           excluded.base_enabled, excluded.base_limit, excluded.addon_quantity,
           excluded.overage, excluded.buffer_pct, excluded.grace, excluded.period_anchor,
           excluded.period_interval, excluded.override_enabled, excluded.override_limit,
           excluded.override_expires_at)
    returning 1
  )
  select count(*)::integer from upserted
$$;

comment on function internal.refresh_entitlements(uuid[]) is
  'Recompute the derived core.entitlements rows of these tenants; returns rows written.';
