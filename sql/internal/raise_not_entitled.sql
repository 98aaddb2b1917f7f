-- internal.raise_not_entitled(): called when no entitlement row exists for a (tenant,
-- feature): raise the documented error that says which of the two is unknown (RC001,
-- RC002), or RC010 when both exist but the derived row is missing (an inconsistency).
create or replace function internal.raise_not_entitled(p_tenant_id uuid, p_feature text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_tenant_id is null or not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    raise exception 'unknown tenant %', coalesce(p_tenant_id::text, 'null')
      using errcode = 'RC001', hint = 'create the tenant first with api.create_tenant';
  end if;
  if p_feature is null or not exists (select from core.features f where f.code = p_feature) then
    raise exception 'unknown feature %', coalesce(p_feature, 'null')
      using errcode = 'RC002', hint = 'define it with api.define_feature; see api.features';
  end if;
  raise exception 'no entitlement row for tenant % and feature %', p_tenant_id, p_feature
    using errcode = 'RC010', hint = 'run select internal.refresh_entitlements(array[tenant])';
end
$$;

comment on function internal.raise_not_entitled(uuid, text) is
  'Raise RC001 (unknown tenant) or RC002 (unknown feature) for a failed lookup.';
