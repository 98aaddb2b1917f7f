-- api.notifications: outbox rows the caller may see (a tenant: its own), newest first.
create or replace view api.notifications
with (security_invoker = true)
as
  select n.tenant_id, n.notification_id, n.kind, n.feature, n.period_start, n.threshold,
         n.payload, n.created_at, n.delivered_at
    from core.notifications n
   order by n.created_at desc, n.notification_id desc;

comment on view api.notifications is 'Notifications (threshold crossings, ...) visible to the caller.';
grant select on api.notifications to ratecard_tenant, ratecard_admin;
