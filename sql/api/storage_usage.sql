-- api.storage_usage(): a tenant's stored objects and bytes per category.
create or replace function api.storage_usage(p_tenant_id uuid)
returns table (category text, objects bigint, bytes bigint)
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
    select c.category, count(o.object_key), coalesce(sum(o.size_bytes), 0)::bigint
      from unnest(array['upload', 'attachment', 'export', 'profile_image', 'backup'])
           as c(category)
      left join core.storage_objects o
        on o.tenant_id = p_tenant_id and o.category = c.category
     group by c.category
     order by c.category;
end
$$;

comment on function api.storage_usage(uuid) is
  'Objects and bytes per storage category for a tenant (every category, zeros included).';
grant execute on function api.storage_usage(uuid) to ratecard_service, ratecard_admin;
