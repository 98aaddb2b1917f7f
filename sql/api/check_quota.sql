-- api.check_quota(): may this tenant use p_amount more of p_feature right now?
-- Read-only and fast: two primary-key lookups (the tenant's entitlement row, then the
-- current period's meter) and the same rule consume uses (internal.usage_allows). For a
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
  e core.entitlements;
  v_enabled boolean;
  v_limit bigint;
  v_period timestamptz;
  v_used bigint;
  v_over timestamptz;
begin
  if p_amount is null or p_amount < 0 then
    raise exception 'amount must be zero or positive'
      using errcode = 'RC004', hint = 'ask about the amount you are about to consume';
  end if;
  select * into e from core.entitlements x
   where x.tenant_id = p_tenant_id and x.feature = p_feature;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
  if internal.override_live(e.override_enabled, e.override_expires_at, v_now) then
    v_enabled := e.override_enabled;
    v_limit := e.override_limit;
  else
    v_enabled := e.base_enabled;
    v_limit := e.base_limit;
  end if;
  if e.kind = 'switch' or not v_enabled then
    return v_enabled;
  end if;
  v_period := internal.period_start(e.reset, e.period_anchor, e.period_interval, v_now);
  -- Two statements, each a primary-key lookup: cheaper than one join whose meter key is
  -- computed from the entitlement row.
  if e.durable then
    select m.used, m.over_since into v_used, v_over from core.meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  else
    select m.used, m.over_since into v_used, v_over from core.volatile_meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  end if;
  -- p_amount 0 asks whether there is room for one more unit.
  return internal.usage_allows(v_enabled, v_limit, coalesce(v_used, 0),
                               greatest(p_amount, 1), e.overage, e.buffer_pct, v_over,
                               e.grace, v_now);
end
$$;

comment on function api.check_quota(uuid, text, bigint) is
  'True if the tenant may use p_amount more of p_feature now (switches: if enabled). Changes nothing.';
grant execute on function api.check_quota(uuid, text, bigint) to ratecard_service, ratecard_admin;
