-- api.notification_deliveries: every delivery of an outbox row the caller may see (a
-- tenant: its own, except to the platform's endpoints; admins: all), newest first:
-- channel, target (an email address, or the endpoint's URL), type, status (pending,
-- sending, succeeded, failed, canceled), attempts made and allowed, the last answer
-- (status code: HTTP for webhooks, the SMTP reply for email; or an error) and when the
-- next attempt is due. webhook_id is the webhook-id header every attempt sends.
create or replace view api.notification_deliveries
with (security_invoker = true)
as
  select d.tenant_id, t.name as tenant_name, d.delivery_id, d.notification_id, d.kind, d.channel,
         coalesce(e.url, d.target) as target, d.endpoint_id, d.platform, d.status,
         d.attempts, d.max_attempts, d.last_status_code, d.last_error, d.next_attempt_at,
         d.last_attempt_at, d.created_at, d.finished_at,
         case when d.channel = 'webhook'
              then 'msg_' || pg_catalog.replace(d.delivery_id::text, '-', '') end as webhook_id
    from core.notification_deliveries d
    join core.tenants t on t.tenant_id = d.tenant_id
    left join core.webhook_endpoints e on e.endpoint_id = d.endpoint_id
   order by d.created_at desc, d.notification_id desc, d.channel, d.target;

comment on view api.notification_deliveries is
  'Deliveries of notifications (email, webhook): status, attempts, last answer, next attempt.';
grant select on api.notification_deliveries to ratecard_tenant, ratecard_admin;
