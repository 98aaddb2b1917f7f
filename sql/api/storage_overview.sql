-- api.storage_overview(): what GET /v1/tenants/{id}/storage shows, in one call: the
-- tenant's storage per category now (api.storage_usage) and its daily history per
-- category over the last p_days UTC days (core.storage_history: objects and bytes at the
-- end of each day with a change, and the day's peak), newest first. RC001 for an unknown
-- tenant, RC005 for p_days outside 0 to 366.
create or replace function api.storage_overview(p_tenant_id uuid, p_days integer default 30)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_days is null or p_days not between 0 and 366 then
    raise exception 'days must be 0 to 366' using errcode = 'RC005';
  end if;
  return jsonb_build_object(
    'tenant_id', p_tenant_id,
    'categories', (select jsonb_agg(to_jsonb(u) order by u.category)
                     from api.storage_usage(p_tenant_id) u),
    'history', coalesce((
      select jsonb_agg(jsonb_build_object('day', h.day, 'category', h.category,
                                          'objects', h.objects, 'bytes', h.bytes,
                                          'peak_bytes', h.peak_bytes)
                       order by h.day desc, h.category)
        from core.storage_history h
       where h.tenant_id = p_tenant_id
         and h.day > (internal.now() at time zone 'UTC')::date - p_days), '[]'));
end
$$;

comment on function api.storage_overview(uuid, integer) is
  'A tenant''s storage per category now and its daily history per category over p_days (JSON).';
grant execute on function api.storage_overview(uuid, integer) to ratecard_service, ratecard_admin;
