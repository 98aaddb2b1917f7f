-- api.tenant_overrides(): a tenant's overrides, as GET /v1/admin/tenants/{id}/overrides
-- answers and api.replace_overrides takes them, with whether each applies now (live: not
-- expired). RC001 for an unknown tenant (not an empty set).
create or replace function api.tenant_overrides(p_tenant_id uuid)
returns table (feature text, category text, kind text, "limit" bigint, enabled boolean,
               expires_at timestamptz, reason text, live boolean, created_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  return query
    select o.feature, f.category, f.kind, o.limit_value, o.enabled, o.expires_at, o.reason,
           internal.override_live(o.enabled, o.expires_at, internal.now()), o.created_at
      from core.overrides o
      join core.features f on f.code = o.feature
     where o.tenant_id = p_tenant_id
     order by f.category, o.feature;
end
$$;

comment on function api.tenant_overrides(uuid) is
  'A tenant''s overrides: feature, category, kind, limit, enabled, expires_at, reason, live, created_at.';
grant execute on function api.tenant_overrides(uuid) to ratecard_admin;
