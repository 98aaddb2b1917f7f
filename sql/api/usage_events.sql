-- api.usage_events: the usage ledger as the caller may see it (a tenant: its own events).
create or replace view api.usage_events
with (security_invoker = true)
as
  select e.tenant_id, e.feature, e.amount, e.occurred_at, e.recorded_at,
         e.idempotency_key, e.properties
    from core.usage_events e;

comment on view api.usage_events is 'Ledger of usage events visible to the caller.';
grant select on api.usage_events to ratecard_tenant, ratecard_admin;
