-- api.create_upload(): the check before a direct upload to the bucket. It decides the
-- object's key, checks the storage limit for the declared size with the soft buffer and
-- grace (api.consume on storage_bytes), and records the upload as pending
-- (core.storage_uploads): its bytes are reserved in the gauge so that concurrent uploads
-- cannot together pass the limit. The HTTP route then answers an S3 presigned POST that
-- allows exactly p_size_bytes (content-length-range) until expires_at.
--
-- The key: either p_object_key, which must be in the canonical form (RC020) and which the
-- key layout must attribute to this tenant (RC020 otherwise), its category being the one
-- the key names (a different p_category is RC005); or p_file_name, one path segment, put
-- under the tenant's prefix for p_category with a fresh random folder, so two uploads of
-- "report.pdf" never overwrite each other (tenants/<id>/upload/<uuid>/report.pdf with the
-- default layout). Exactly one of the two (RC005).
--
-- A pending upload ends when S3 reports the object (api.receive_s3_events) or the
-- reconciliation finds it: the object is then counted at its real size, flagged oversized
-- if larger than declared. Otherwise the reservation is released after pending_seconds
-- (job expire_storage_uploads). Asking again for the same key replaces the pending upload.
-- The gauge counts per key the larger of the stored object and the pending upload, so
-- replacing a 4 MB file with a 4 MB upload needs no room.
--
-- Refused (nothing recorded) with RC031 storage_limit_exceeded when the limit, its buffer
-- or its grace do not allow the bytes (or storage is disabled for the tenant). Errors:
-- RC004 (size negative or over S3's 5 GiB for a POST), RC001, RC005, RC020.
create or replace function api.create_upload(
  p_tenant_id uuid,
  p_category text,
  p_size_bytes bigint,
  p_file_name text default null,
  p_object_key text default null,
  p_content_type text default null
)
returns table (
  object_key text, category text, size_bytes bigint, content_type text,
  expires_at timestamptz, expires_in integer, pending_until timestamptz,
  used bigint, "limit" bigint, remaining bigint, state text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  l record;
  v_key text;
  v_category text := p_category;
  v_segment text;
  a record;
  v_old bigint;
  v_pending bigint;
  v_delta bigint;
  r record;
begin
  if p_size_bytes is null or p_size_bytes < 0 or p_size_bytes > 5368709120 then
    raise exception 'size must be 0 to 5368709120 bytes (5 GiB, the most one S3 POST takes)'
      using errcode = 'RC004', detail = format('size %s', coalesce(p_size_bytes::text, 'null'));
  end if;
  if v_category is not null
     and v_category not in ('upload', 'attachment', 'export', 'profile_image', 'backup') then
    raise exception 'invalid storage category %', v_category
      using errcode = 'RC005',
            hint = 'one of upload, attachment, export, profile_image, backup';
  end if;
  if (p_file_name is null) = (p_object_key is null) then
    raise exception 'give either a file name or an object key'
      using errcode = 'RC005',
            hint = 'file_name puts the upload under the tenant''s prefix; object_key names it';
  end if;
  if p_content_type is not null and (octet_length(p_content_type) > 255 or p_content_type !~
       '^[!#$%&''*+.^_`|~0-9A-Za-z-]+/[!#$%&''*+.^_`|~0-9A-Za-z-]+( *;[ -~]*)?$') then
    raise exception 'invalid content type %', quote_literal(p_content_type)
      using errcode = 'RC005', hint = 'a media type such as application/pdf (at most 255 characters)';
  end if;
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  select * into l from internal.storage_layout();

  if p_file_name is not null then
    if v_category is null then
      raise exception 'a category is needed to place the file'
        using errcode = 'RC005', hint = 'one of upload, attachment, export, profile_image, backup';
    end if;
    if p_file_name ~ '/' or octet_length(p_file_name) > 255
       or internal.object_key_problem(p_file_name) is not null then
      raise exception 'file name % is not one path segment of 1 to 255 bytes',
        quote_literal(p_file_name)
        using errcode = 'RC020', hint = 'no "/", no control characters, not "." or ".."';
    end if;
    select n.key into v_segment from jsonb_each_text(l.category_names) n
     where n.value = v_category order by n.key limit 1;
    if v_segment is null then
      raise exception 'the key layout names no segment for category %', v_category
        using errcode = 'RC005', hint = 'see api.storage_settings: category_names';
    end if;
    v_key := replace(replace(replace(l.key_layout, '{tenant_id}', p_tenant_id::text),
                             '{category}', v_segment),
                     '{rest}', gen_random_uuid()::text || '/' || p_file_name);
    perform internal.check_object_key(v_key);
  else
    perform internal.check_object_key(p_object_key);
    v_key := p_object_key;
    select * into a from internal.storage_attribute(v_key, l.pattern, l.tenant_first,
                                                    l.category_names);
    if a.tenant_id is distinct from p_tenant_id or a.category is null then
      raise exception 'object key % is not in the storage of tenant % under the key layout %',
        quote_literal(v_key), p_tenant_id, l.key_layout
        using errcode = 'RC020', hint = 'or send file_name and let the layout place it';
    end if;
    if v_category is not null and v_category <> a.category then
      raise exception 'object key % is in category %, not %', quote_literal(v_key),
        a.category, v_category
        using errcode = 'RC005';
    end if;
    v_category := a.category;
  end if;

  -- One object at a time (the lock every storage writer takes), the gauge before the rows.
  perform pg_catalog.pg_advisory_xact_lock(internal.storage_lock_number(p_tenant_id, v_key));
  select o.size_bytes into v_old from core.storage_objects o
   where o.tenant_id = p_tenant_id and o.object_key = v_key;
  select u.size_bytes into v_pending from core.storage_uploads u
   where u.tenant_id = p_tenant_id and u.object_key = v_key;
  v_delta := greatest(coalesce(v_old, 0), p_size_bytes)
             - greatest(coalesce(v_old, 0), coalesce(v_pending, 0));
  if v_delta = 0 then
    select g.used, g."limit", g.remaining, g.state into r
      from api.get_entitlement(p_tenant_id, 'storage_bytes') g;
  else
    select * into r from api.consume(p_tenant_id, 'storage_bytes', v_delta) c;
    if not r.allowed then
      raise exception 'storage limit reached: % more bytes are not allowed (used %, limit %)',
        v_delta, r.used, coalesce(r."limit"::text, 'none')
        using errcode = 'RC031',
              detail = format('used=%s limit=%s remaining=%s state=%s requested=%s',
                              r.used, r."limit", r.remaining, r.state, v_delta),
              hint = 'delete objects or move to a plan with more storage';
    end if;
  end if;

  insert into core.storage_uploads as u
    (tenant_id, object_key, size_bytes, category, content_type, created_at, expires_at,
     pending_until)
  values (p_tenant_id, v_key, p_size_bytes, v_category, p_content_type, v_now,
          v_now + make_interval(secs => l.upload_seconds),
          v_now + make_interval(secs => l.pending_seconds))
  on conflict on constraint storage_uploads_pkey do update
     set size_bytes = excluded.size_bytes, category = excluded.category,
         content_type = excluded.content_type, created_at = excluded.created_at,
         expires_at = excluded.expires_at, pending_until = excluded.pending_until;

  return query select v_key, v_category, p_size_bytes, p_content_type,
                      v_now + make_interval(secs => l.upload_seconds), l.upload_seconds,
                      v_now + make_interval(secs => l.pending_seconds),
                      r.used, r."limit", r.remaining, r.state;
end
$$;

comment on function api.create_upload(uuid, text, bigint, text, text, text) is
  'Check the storage limit for an upload of a declared size, place its key and record it pending (RC031 when refused).';
grant execute on function api.create_upload(uuid, text, bigint, text, text, text)
  to ratecard_service, ratecard_admin;
