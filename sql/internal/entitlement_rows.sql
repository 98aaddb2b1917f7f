-- internal.entitlement_rows(): the full entitlement report, one row per (tenant, feature).
--
-- Security invoker on purpose: api.get_entitlement and api.list_entitlements call it as
-- the owner for any tenant, while the api.entitlements view calls it as ratecard_tenant,
-- where row-level security narrows it to that tenant's own rows. Null arguments mean "all".
create or replace function internal.entitlement_rows(p_tenant_id uuid, p_feature text)
returns table (
  tenant_id uuid, feature text, kind text, enabled boolean, "limit" bigint, used bigint,
  remaining bigint, percent_used numeric, period_start timestamptz, period_end timestamptz,
  state text, grace_until timestamptz, source text, overage text, plan text
)
language sql
stable
as $$
  select e.tenant_id, e.feature, e.kind, x.enabled,
         x.lim,
         case when e.kind <> 'switch' then u.used end,
         case when e.kind = 'switch' or x.lim is null then null
              else greatest(x.lim - u.used, 0) end,
         case when e.kind = 'switch' or x.lim is null then null
              when x.lim = 0 then case when u.used > 0 then 100 else 0 end
              else round(u.used * 100.0 / x.lim, 2) end,
         case when e.kind = 'metered' then x.ps end,
         internal.period_end(e.reset, x.ps, e.period_interval, e.period_anchor),
         case when e.kind = 'switch' then case when x.enabled then 'ok' else 'disabled' end
              else internal.usage_state(x.enabled, x.lim, u.used, e.overage, e.buffer_pct,
                                        u.over_since, e.grace, n.now) end,
         case when e.overage = 'soft' and u.over_since is not null and e.grace is not null
              then u.over_since + e.grace end,
         case when x.overridden then 'override'
              when e.addon_quantity > 0 then 'addon'
              else 'plan' end,
         e.overage,
         e.plan
    from core.entitlements e
    cross join lateral (select internal.now() as now) n
    cross join lateral (
      select o.active as overridden,
             case when o.active then e.override_enabled else e.base_enabled end as enabled,
             case when o.active then e.override_limit else e.base_limit end as lim,
             internal.period_start(e.reset, e.period_anchor, e.period_interval, n.now) as ps
        from (select internal.override_live(e.override_enabled, e.override_expires_at, n.now)
                     as active) o
    ) x
    -- LATERAL ... LIMIT 1 keeps these primary-key lookups as parameterised index scans; if
    -- the planner pulls them up it picks a hash join that costs far more than the lookup.
    left join lateral (
      select m.used, m.over_since from core.meters m
       where e.durable and m.tenant_id = e.tenant_id and m.feature = e.feature
         and m.period_start = x.ps
       limit 1
    ) m on true
    left join lateral (
      select vm.used, vm.over_since from core.volatile_meters vm
       where not e.durable and vm.tenant_id = e.tenant_id and vm.feature = e.feature
         and vm.period_start = x.ps
       limit 1
    ) vm on true
    cross join lateral (
      select coalesce(m.used, vm.used, 0) as used,
             coalesce(m.over_since, vm.over_since) as over_since
    ) u
   where (p_tenant_id is null or e.tenant_id = p_tenant_id)
     and (p_feature is null or e.feature = p_feature)
   order by e.tenant_id, e.feature
$$;

comment on function internal.entitlement_rows(uuid, text) is
  'Entitlement report rows (security invoker: RLS applies to the caller).';
grant execute on function internal.entitlement_rows(uuid, text)
  to ratecard_tenant, ratecard_admin, ratecard_service;
