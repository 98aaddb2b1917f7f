-- api.storage_usage(): a tenant's storage per category, every category listed (zeros
-- included): stored objects and bytes, pending uploads (api.create_upload: reserved in the
-- storage_bytes gauge until the object arrives or the upload expires) and objects that
-- arrived larger than declared. Read from core.storage_categories, which triggers keep in
-- step with the objects, so it costs the same for ten objects or ten million.
create or replace function api.storage_usage(p_tenant_id uuid)
returns table (
  category text, objects bigint, bytes bigint, pending_objects bigint, pending_bytes bigint,
  oversized_objects bigint
)
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
    select c.category, coalesce(s.objects, 0), coalesce(s.bytes, 0),
           coalesce(s.pending_objects, 0), coalesce(s.pending_bytes, 0),
           coalesce(s.oversized_objects, 0)
      from unnest(array['upload', 'attachment', 'export', 'profile_image', 'backup'])
           as c(category)
      left join core.storage_categories s
        on s.tenant_id = p_tenant_id and s.category = c.category
     order by c.category;
end
$$;

comment on function api.storage_usage(uuid) is
  'Objects, bytes, pending uploads and oversized objects per storage category for a tenant (every category, zeros included).';
grant execute on function api.storage_usage(uuid) to ratecard_service, ratecard_admin;
