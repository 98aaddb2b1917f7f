-- api.revoke_addon(): take an add-on away from a tenant now; its grants stop counting.
-- (Cancellation at the end of a paid period is the billing flow's job.)
create or replace function api.revoke_addon(p_tenant_id uuid, p_addon text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update core.tenant_addons ta set status = 'canceled', ends_at = internal.now()
   where ta.tenant_id = p_tenant_id and ta.addon = p_addon and ta.status = 'active';
  return found;
end
$$;

comment on function api.revoke_addon(uuid, text) is
  'Cancel a tenant''s add-on now; returns whether it was active.';
grant execute on function api.revoke_addon(uuid, text) to ratecard_admin;
