-- api.list_entitlements(): every feature's entitlement for one tenant (same row as
-- api.get_entitlement), ordered by feature code. Unknown tenant is RC001.
create or replace function api.list_entitlements(p_tenant_id uuid)
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
  if p_tenant_id is null or not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  return query
    select r.feature, r.kind, r.enabled, r."limit", r.used, r.remaining, r.percent_used,
           r.period_start, r.period_end, r.state, r.grace_until, r.source
      from internal.entitlement_rows(p_tenant_id, null) r;
end
$$;

comment on function api.list_entitlements(uuid) is
  'All entitlements of a tenant, one row per feature (see api.get_entitlement).';
grant execute on function api.list_entitlements(uuid) to ratecard_service, ratecard_admin;
