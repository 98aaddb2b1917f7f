-- api.forget_object(): an object was deleted; release its bytes from the storage gauge.
-- Returns the bytes released (0 when the key was not tracked: deleting twice is harmless).
-- The key follows the canonical form api.track_object enforces (internal.check_object_key,
-- RC020), so a key that could never have been tracked is an error, not a silent 0. A key
-- tracked before that rule existed is still released under its old spelling.
create or replace function api.forget_object(p_tenant_id uuid, p_object_key text)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_size bigint;
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  delete from core.storage_objects o
   where o.tenant_id = p_tenant_id and o.object_key = p_object_key
  returning o.size_bytes into v_size;
  if not found then
    perform internal.check_object_key(p_object_key);
  end if;
  if v_size > 0 then
    perform api.consume(p_tenant_id, 'storage_bytes', -v_size);
  end if;
  return coalesce(v_size, 0);
end
$$;

comment on function api.forget_object(uuid, text) is
  'Stop tracking a stored object and release its bytes; returns bytes released.';
grant execute on function api.forget_object(uuid, text) to ratecard_service, ratecard_admin;
