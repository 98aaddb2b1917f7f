-- api.storage_objects: stored objects the caller may see (a tenant: its own).
create or replace view api.storage_objects
with (security_invoker = true)
as
  select o.tenant_id, o.object_key, o.size_bytes, o.category, o.created_at, o.updated_at
    from core.storage_objects o;

comment on view api.storage_objects is 'Tracked storage objects visible to the caller.';
grant select on api.storage_objects to ratecard_tenant, ratecard_admin;
