-- api.webhook_endpoints: the live (not deleted) webhook endpoints the caller may see: a
-- tenant its own, an administrator every one (tenant_id null: platform-wide). Never the
-- signing secrets: `rotating_until` says until when a rotated-out secret still signs.
create or replace view api.webhook_endpoints
with (security_invoker = true)
as
  select e.endpoint_id, e.tenant_id, e.url, e.event_types, e.description, e.enabled,
         e.disabled_reason, e.disabled_at,
         case when e.previous_secret_until > internal.now() then e.previous_secret_until
         end as rotating_until,
         e.created_at
    from core.webhook_endpoints e
   where e.deleted_at is null
   order by e.created_at, e.endpoint_id;

comment on view api.webhook_endpoints is
  'Webhook endpoints visible to the caller (a tenant: its own); never their secrets.';
grant select on api.webhook_endpoints to ratecard_tenant, ratecard_admin;
