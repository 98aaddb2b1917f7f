-- api.track_object(): check the storage limit before an upload and record the object.
--
-- Storage is the gauge feature `storage_bytes`, fed one object at a time. Calls for one
-- object are serialised (transaction advisory lock on tenant and key); the change to the gauge is the new size minus the size already tracked for
-- that key, so re-tracking a key replaces its size instead of adding it twice. The change
-- goes through api.consume (soft buffer, grace, thresholds all apply); when it is denied,
-- nothing is recorded. Categories: upload, attachment, export, profile_image, backup.
-- The key must be in the canonical form of internal.check_object_key (RC020), the same
-- rule api.forget_object applies, so whatever is tracked can be released with its key.
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
    pg_catalog.hashtextextended(p_tenant_id::text || '/' || p_object_key, 7410));
  select o.size_bytes into v_old from core.storage_objects o
   where o.tenant_id = p_tenant_id and o.object_key = p_object_key
     for update;

  if coalesce(v_old, 0) = p_size_bytes then
    select * into r from api.get_entitlement(p_tenant_id, 'storage_bytes') g;
    update core.storage_objects o set category = p_category, updated_at = internal.now()
     where o.tenant_id = p_tenant_id and o.object_key = p_object_key;
    if not found then
      insert into core.storage_objects (tenant_id, object_key, size_bytes, category,
                                        created_at, updated_at)
      values (p_tenant_id, p_object_key, p_size_bytes, p_category, internal.now(),
              internal.now());
    end if;
    return query select true, v_old is not null, r.used, r."limit", r.remaining, r.state;
    return;
  end if;

  select * into r from api.consume(p_tenant_id, 'storage_bytes', p_size_bytes - coalesce(v_old, 0)) c;
  if r.allowed then
    insert into core.storage_objects as o (tenant_id, object_key, size_bytes, category,
                                           created_at, updated_at)
    values (p_tenant_id, p_object_key, p_size_bytes, p_category, internal.now(),
            internal.now())
    on conflict (tenant_id, object_key) do update
       set size_bytes = excluded.size_bytes, category = excluded.category,
           updated_at = excluded.updated_at;
  end if;
  return query select r.allowed, false, r.used, r."limit", r.remaining, r.state;
end
$$;

comment on function api.track_object(uuid, text, bigint, text) is
  'Check the storage limit and record (or resize) an object; nothing is recorded when denied.';
grant execute on function api.track_object(uuid, text, bigint, text)
  to ratecard_service, ratecard_admin;
