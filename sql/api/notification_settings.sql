-- api.notification_settings: each tenant's notification preferences as they apply, with
-- the defaults filled in for a tenant that never set any: the billing email, extra
-- recipients, and the types sent by email and by webhook (null: every type).
create or replace view api.notification_settings
with (security_invoker = true)
as
  select t.tenant_id, t.email as billing_email,
         coalesce(s.extra_recipients, '{}') as extra_recipients,
         s.email_types, s.webhook_types, s.updated_at
    from core.tenants t
    left join core.notification_settings s on s.tenant_id = t.tenant_id;

comment on view api.notification_settings is
  'Per-tenant notification preferences (defaults filled in): recipients, types per channel.';
grant select on api.notification_settings to ratecard_tenant, ratecard_admin;
