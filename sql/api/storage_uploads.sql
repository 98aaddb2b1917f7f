-- api.storage_uploads: pending uploads the caller may see (a tenant: its own): asked for
-- with api.create_upload, not yet confirmed by S3; their bytes are reserved until
-- pending_until.
create or replace view api.storage_uploads
with (security_invoker = true)
as
  select u.tenant_id, u.object_key, u.size_bytes, u.category, u.content_type, u.created_at,
         u.expires_at, u.pending_until
    from core.storage_uploads u;

comment on view api.storage_uploads is 'Pending uploads visible to the caller (reserved bytes).';
grant select on api.storage_uploads to ratecard_tenant, ratecard_admin;
