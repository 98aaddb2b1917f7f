-- api.get_entitlement(): everything about one feature for one tenant: whether it is on,
-- the effective limit, usage this period, what remains, the state, when the period ends,
-- when a soft grace runs out, and where the limit comes from (plan, addon, override).
create or replace function api.get_entitlement(p_tenant_id uuid, p_feature text)
returns table (
  feature text, kind text, enabled boolean, "limit" bigint, used bigint, remaining bigint,
  percent_used numeric, period_start timestamptz, period_end timestamptz, state text,
  grace_until timestamptz, source text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select r.feature, r.kind, r.enabled, r."limit", r.used, r.remaining, r.percent_used,
           r.period_start, r.period_end, r.state, r.grace_until, r.source
      from internal.entitlement_rows(p_tenant_id, p_feature) r
     where p_tenant_id is not null and p_feature is not null;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
end
$$;

comment on function api.get_entitlement(uuid, text) is
  'One feature''s entitlement for a tenant: enabled, limit, used, remaining, percent_used, period, state, grace_until, source.';
grant execute on function api.get_entitlement(uuid, text) to ratecard_service, ratecard_admin;
