-- api.track_object(): check the storage limit before an upload and record the object.
--
-- Storage is the gauge feature `storage_bytes`, fed one object at a time. Calls for one
-- object are serialised (transaction advisory lock on tenant and key,
-- internal.storage_lock_number, shared with every writer of storage objects). The gauge
-- counts, per key, the larger of the stored object and a pending upload of that key
-- (api.create_upload's reservation), so the change is the new count minus the old one:
-- re-tracking a key replaces its size instead of adding it twice. The change goes through
-- api.consume (soft buffer, grace, thresholds all apply); when it is denied, nothing is
-- recorded. Categories: upload, attachment, export, profile_image, backup.
-- The key must be in the canonical form of internal.check_object_key (RC020), the same
-- rule api.forget_object applies, so whatever is tracked can be released with its key.
-- A key S3 reported removed keeps the ordering of that removal (its tombstone's
-- sequencer), so an S3 event older than it cannot undo this call.
create or replace function api.track_object(
  p_tenant_id uuid, p_object_key text, p_size_bytes bigint, p_category text default 'upload'
)
returns table (
  allowed boolean, duplicate boolean, used bigint, "limit" bigint, remaining bigint,
  state text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_old bigint;
  v_pending bigint;
  v_delta bigint;
  v_allowed boolean := true;
  r record;
begin
  perform internal.check_object_key(p_object_key);
  if p_size_bytes is null or p_size_bytes < 0 then
    raise exception 'size must be zero or more bytes' using errcode = 'RC004';
  end if;
  if p_category is null
     or p_category not in ('upload', 'attachment', 'export', 'profile_image', 'backup') then
    raise exception 'invalid storage category %', coalesce(p_category, 'null')
      using errcode = 'RC005',
            hint = 'one of upload, attachment, export, profile_image, backup';
  end if;
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;

  -- Serialise calls for the same object, also while it does not exist yet (a row lock
  -- cannot cover a row that is not there), so a new key is never counted twice.
  perform pg_catalog.pg_advisory_xact_lock(
    internal.storage_lock_number(p_tenant_id, p_object_key));
  select o.size_bytes into v_old from core.storage_objects o
   where o.tenant_id = p_tenant_id and o.object_key = p_object_key;
  select u.size_bytes into v_pending from core.storage_uploads u
   where u.tenant_id = p_tenant_id and u.object_key = p_object_key;
  v_delta := greatest(p_size_bytes, coalesce(v_pending, 0))
             - greatest(coalesce(v_old, 0), coalesce(v_pending, 0));

  if v_delta = 0 then
    select * into r from api.get_entitlement(p_tenant_id, 'storage_bytes') g;
  else
    select * into r from api.consume(p_tenant_id, 'storage_bytes', v_delta) c;
    v_allowed := r.allowed;
  end if;
  if v_allowed then
    insert into core.storage_objects as o (tenant_id, object_key, size_bytes, category,
                                           created_at, updated_at, sequencer, modified_at)
    select p_tenant_id, p_object_key, p_size_bytes, p_category, internal.now(),
           internal.now(), t.sequencer, t.removed_at
      from (select) one
      left join core.storage_tombstones t
        on t.tenant_id = p_tenant_id and t.object_key = p_object_key
    on conflict (tenant_id, object_key) do update
       set size_bytes = excluded.size_bytes, category = excluded.category,
           updated_at = excluded.updated_at,
           declared_bytes = case when o.size_bytes = excluded.size_bytes
                                 then o.declared_bytes end;
    delete from core.storage_tombstones t
     where t.tenant_id = p_tenant_id and t.object_key = p_object_key;
  end if;
  return query select v_allowed, coalesce(v_delta = 0 and v_old = p_size_bytes, false),
                      r.used, r."limit", r.remaining, r.state;
end
$$;

comment on function api.track_object(uuid, text, bigint, text) is
  'Check the storage limit and record (or resize) an object; nothing is recorded when denied.';
grant execute on function api.track_object(uuid, text, bigint, text)
  to ratecard_service, ratecard_admin;
