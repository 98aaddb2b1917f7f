-- api.check_quota(): may this tenant use p_amount more of p_feature right now?
-- Read-only, and the hottest read of Ratecard, so it is ONE statement planned once per
-- session: the tenant's entitlement row by primary key, the effective limit and current
-- period worked out inline (internal.now, internal.override_live and
-- internal.period_start are SQL that PostgreSQL inlines), that period's meter by primary
-- key, and the rule consume applies (internal.usage_allows, inlined). For a switch feature
-- it answers whether the feature is on. p_amount 0 asks "is there room at all".
-- Features counted in the UNLOGGED core.volatile_meters (durable = false: rate limits)
-- take a second statement of the same shape; errors are worked out only when nothing was
-- found: negative or null amounts RC004, unknown tenant RC001, unknown feature RC002.
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
  v_allowed boolean;
begin
  select case
           when e.kind = 'switch' or not x.enabled then x.enabled
           -- p_amount 0 asks whether there is room for one more unit.
           else internal.usage_allows(x.enabled, x.lim, coalesce(m.used, 0),
                                      greatest(p_amount, 1), e.overage, e.buffer_pct,
                                      m.over_since, e.grace, x.now)
         end
    into v_allowed
    from core.entitlements e
   cross join lateral (
     -- OFFSET 0: computed once, so the meter lookup's key is a value, not the expression.
     select o.now, internal.period_start(e.reset, e.period_anchor, e.period_interval, o.now) as ps,
            case when o.live then e.override_enabled else e.base_enabled end as enabled,
            case when o.live then e.override_limit else e.base_limit end as lim
       from (select n.now, internal.override_live(e.override_enabled, e.override_expires_at,
                                                  n.now) as live
               from (select internal.now() as now) n) o
     offset 0
   ) x
    left join core.meters m
      on m.tenant_id = e.tenant_id and m.feature = e.feature and m.period_start = x.ps
   where e.tenant_id = p_tenant_id and e.feature = p_feature and e.durable
     and p_amount >= 0;
  if found then
    return v_allowed;
  end if;

  select internal.usage_allows(x.enabled, x.lim, coalesce(m.used, 0), greatest(p_amount, 1),
                               e.overage, e.buffer_pct, m.over_since, e.grace, x.now)
    into v_allowed
    from core.entitlements e
   cross join lateral (
     select o.now, internal.period_start(e.reset, e.period_anchor, e.period_interval, o.now) as ps,
            case when o.live then e.override_enabled else e.base_enabled end as enabled,
            case when o.live then e.override_limit else e.base_limit end as lim
       from (select n.now, internal.override_live(e.override_enabled, e.override_expires_at,
                                                  n.now) as live
               from (select internal.now() as now) n) o
     offset 0
   ) x
    left join core.volatile_meters m
      on m.tenant_id = e.tenant_id and m.feature = e.feature and m.period_start = x.ps
   where e.tenant_id = p_tenant_id and e.feature = p_feature and not e.durable
     and p_amount >= 0;
  if found then
    return v_allowed;
  end if;

  if p_amount is null or p_amount < 0 then
    raise exception 'amount must be zero or positive'
      using errcode = 'RC004', hint = 'ask about the amount you are about to consume';
  end if;
  perform internal.raise_not_entitled(p_tenant_id, p_feature);
  return null;  -- not reached: raise_not_entitled always raises
end
$$;

comment on function api.check_quota(uuid, text, bigint) is
  'True if the tenant may use p_amount more of p_feature now (switches: if enabled). Changes nothing.';
grant execute on function api.check_quota(uuid, text, bigint) to ratecard_service, ratecard_admin;
