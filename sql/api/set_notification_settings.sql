-- requires: api/notification_settings.sql
-- api.set_notification_settings(): a tenant's notification preferences, replaced whole
-- (PUT /v1/billing/notification-settings as ratecard_service for the key's tenant, or an
-- administrator's PUT /v1/admin/tenants/{id}/notification-settings):
--   p_extra_recipients  addresses that get every email besides the billing email (at most
--                       20, deduplicated, compared without case);
--   p_email_types       the notification types sent by email (null: every type; empty:
--                       none);
--   p_webhook_types     the types sent to the tenant's own webhook endpoints (null: every
--                       type each endpoint asks for; empty: none).
-- The preferences apply to notifications written from then on. RC001 unknown tenant,
-- RC005 an invalid address, more than 20 recipients, or an unknown type.
create or replace function api.set_notification_settings(
  p_tenant_id uuid,
  p_extra_recipients text[] default '{}',
  p_email_types text[] default null,
  p_webhook_types text[] default null
)
returns setof api.notification_settings
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_bad text;
begin
  if p_tenant_id is null
     or not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    raise exception 'unknown tenant: %', p_tenant_id using errcode = 'RC001';
  end if;
  if pg_catalog.cardinality(coalesce(p_extra_recipients, '{}')) > 20 then
    raise exception 'at most 20 extra recipients' using errcode = 'RC005';
  end if;
  select a into v_bad from pg_catalog.unnest(coalesce(p_extra_recipients, '{}')) a
   where a is null or not internal.email_ok(a)
   limit 1;
  if found then
    raise exception 'invalid email address %', coalesce(v_bad, 'null')
      using errcode = 'RC005', hint = 'an address like billing@example.com';
  end if;
  perform internal.check_notification_types(p_email_types, 'email_types');
  perform internal.check_notification_types(p_webhook_types, 'webhook_types');
  insert into core.notification_settings as s
    (tenant_id, extra_recipients, email_types, webhook_types, updated_at)
  values (p_tenant_id,
          coalesce((select pg_catalog.array_agg(distinct pg_catalog.lower(a) order by pg_catalog.lower(a))
                      from pg_catalog.unnest(p_extra_recipients) a), '{}'),
          (select coalesce(pg_catalog.array_agg(distinct t order by t), '{}')
             from pg_catalog.unnest(p_email_types) t having p_email_types is not null),
          (select coalesce(pg_catalog.array_agg(distinct t order by t), '{}')
             from pg_catalog.unnest(p_webhook_types) t having p_webhook_types is not null),
          internal.now())
  on conflict (tenant_id) do update
     set extra_recipients = excluded.extra_recipients, email_types = excluded.email_types,
         webhook_types = excluded.webhook_types, updated_at = excluded.updated_at;
  return query
    select t.tenant_id, t.email, s.extra_recipients, s.email_types, s.webhook_types,
           s.updated_at
      from core.tenants t join core.notification_settings s on s.tenant_id = t.tenant_id
     where t.tenant_id = p_tenant_id;
end
$$;

comment on function api.set_notification_settings(uuid, text[], text[], text[]) is
  'Replace a tenant''s notification preferences: extra recipients, types by email and webhook.';
grant execute on function api.set_notification_settings(uuid, text[], text[], text[])
  to ratecard_service, ratecard_admin;
