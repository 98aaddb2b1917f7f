-- api.clear_override(): remove a tenant's override; the plan limit applies again.
create or replace function api.clear_override(p_tenant_id uuid, p_feature text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  delete from core.overrides o where o.tenant_id = p_tenant_id and o.feature = p_feature;
  return found;
end
$$;

comment on function api.clear_override(uuid, text) is
  'Remove a tenant''s override for a feature; returns whether one existed.';
grant execute on function api.clear_override(uuid, text) to ratecard_admin;
