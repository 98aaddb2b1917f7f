-- api.storage_objects: stored objects the caller may see (a tenant: its own), with what
-- S3 said about them: the size declared at upload (declared_bytes), whether the object is
-- larger than declared (oversized), the S3 sequencer and time of the version known.
create or replace view api.storage_objects
with (security_invoker = true)
as
  select o.tenant_id, o.object_key, o.size_bytes, o.category, o.created_at, o.updated_at,
         o.declared_bytes, coalesce(o.size_bytes > o.declared_bytes, false) as oversized,
         o.sequencer, o.modified_at
    from core.storage_objects o;

comment on view api.storage_objects is
  'Tracked storage objects visible to the caller, with declared size and the oversized flag.';
grant select on api.storage_objects to ratecard_tenant, ratecard_admin;
