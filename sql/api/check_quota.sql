-- api.check_quota(): may this tenant use p_amount more of p_feature right now?
-- Read-only and fast: one statement reads the tenant's entitlement row and the current
-- period's meter, and applies the same rule consume uses (internal.usage_allows). For a
-- switch feature it answers whether the feature is on. p_amount 0 asks "is there room at
-- all"; negative amounts are RC004. Unknown tenant RC001, unknown feature RC002.
create or replace function api.check_quota(
  p_tenant_id uuid, p_feature text, p_amount bigint default 1
)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_allowed boolean;
begin
  if p_amount is null or p_amount < 0 then
    raise exception 'amount must be zero or positive'
      using errcode = 'RC004', hint = 'ask about the amount you are about to consume';
  end if;
  select case
           when e.kind = 'switch' then x.enabled
           when p_amount = 0 then x.enabled
                and internal.usage_allows(true, x.lim, coalesce(m.used, vm.used, 0), 1,
                                          e.overage, e.buffer_pct,
                                          coalesce(m.over_since, vm.over_since), e.grace, v_now)
           else internal.usage_allows(x.enabled, x.lim, coalesce(m.used, vm.used, 0), p_amount,
                                      e.overage, e.buffer_pct,
                                      coalesce(m.over_since, vm.over_since), e.grace, v_now)
         end
    into v_allowed
    from core.entitlements e
    cross join lateral (
      select case when o.active then e.override_enabled else e.base_enabled end as enabled,
             case when o.active then e.override_limit else e.base_limit end as lim,
             internal.period_start(e.reset, e.period_anchor, e.period_interval, v_now) as ps
        from (select e.override_enabled is not null
                     and (e.override_expires_at is null or e.override_expires_at > v_now)
                     as active) o
    ) x
    left join core.meters m
      on e.durable and m.tenant_id = e.tenant_id and m.feature = e.feature
     and m.period_start = x.ps
    left join core.volatile_meters vm
      on not e.durable and vm.tenant_id = e.tenant_id and vm.feature = e.feature
     and vm.period_start = x.ps
   where e.tenant_id = p_tenant_id and e.feature = p_feature;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
  return v_allowed;
end
$$;

comment on function api.check_quota(uuid, text, bigint) is
  'True if the tenant may use p_amount more of p_feature now (switches: if enabled). Changes nothing.';
grant execute on function api.check_quota(uuid, text, bigint) to ratecard_service, ratecard_admin;
