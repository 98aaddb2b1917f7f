-- api.storage_categories: storage per tenant and category as the caller may see it (a
-- tenant its own, through RLS; an admin all): every category listed for every tenant
-- visible, with stored objects and bytes, pending uploads and oversized objects. What a
-- billing page shows beside the storage_bytes limit.
create or replace view api.storage_categories
with (security_invoker = true)
as
  select t.tenant_id, c.category, coalesce(s.objects, 0) as objects,
         coalesce(s.bytes, 0) as bytes, coalesce(s.pending_objects, 0) as pending_objects,
         coalesce(s.pending_bytes, 0) as pending_bytes,
         coalesce(s.oversized_objects, 0) as oversized_objects, s.updated_at
    from core.tenants t
   cross join unnest(array['upload', 'attachment', 'export', 'profile_image', 'backup'])
              as c(category)
    left join core.storage_categories s
      on s.tenant_id = t.tenant_id and s.category = c.category;

comment on view api.storage_categories is
  'Storage per tenant and category: objects, bytes, pending uploads, oversized objects (every category listed).';
grant select on api.storage_categories to ratecard_tenant, ratecard_admin;
