-- api.forget_object(): an object was deleted; release its bytes from the storage gauge.
-- Returns the bytes released (0 when the key was not tracked: deleting twice is harmless).
-- The key follows the canonical form api.track_object enforces (internal.check_object_key,
-- RC020), so a key that could never have been tracked is an error, not a silent 0. A key
-- tracked before that rule existed is still released under its old spelling.
-- A pending upload of the key (api.create_upload) keeps its reservation: only the stored
-- object goes. The key is remembered as removed (core.storage_tombstones, with the newest
-- S3 ordering known for it), so a reconciliation whose listing predates the call does not
-- add the object back.
create or replace function api.forget_object(p_tenant_id uuid, p_object_key text)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  o core.storage_objects;
  v_pending bigint;
  v_delta bigint;
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  perform pg_catalog.pg_advisory_xact_lock(
    internal.storage_lock_number(p_tenant_id, p_object_key));
  select * into o from core.storage_objects x
   where x.tenant_id = p_tenant_id and x.object_key = p_object_key;
  if not found then
    perform internal.check_object_key(p_object_key);
    return 0;
  end if;
  -- The gauge first, then the rows (the lock order of every storage writer).
  select u.size_bytes into v_pending from core.storage_uploads u
   where u.tenant_id = p_tenant_id and u.object_key = p_object_key;
  v_delta := coalesce(v_pending, 0) - greatest(o.size_bytes, coalesce(v_pending, 0));
  if v_delta < 0 then
    perform api.consume(p_tenant_id, 'storage_bytes', v_delta);
  end if;
  delete from core.storage_objects x
   where x.tenant_id = p_tenant_id and x.object_key = p_object_key;
  insert into core.storage_tombstones as t
    (tenant_id, object_key, sequencer, removed_at, recorded_at)
  values (p_tenant_id, p_object_key, o.sequencer, o.modified_at, internal.now())
  on conflict (tenant_id, object_key) do update
     set sequencer = excluded.sequencer, removed_at = excluded.removed_at,
         recorded_at = excluded.recorded_at;
  return o.size_bytes;
end
$$;

comment on function api.forget_object(uuid, text) is
  'Stop tracking a stored object and release its bytes; returns bytes released.';
grant execute on function api.forget_object(uuid, text) to ratecard_service, ratecard_admin;
