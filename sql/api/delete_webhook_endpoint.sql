-- api.delete_webhook_endpoint(): a tenant removes one of its own webhook endpoints
-- (DELETE /v1/billing/webhook-endpoints/{id}, as ratecard_service for the key's tenant).
-- Deliveries not yet sent to it are cancelled. RC028 when the endpoint is unknown, already
-- deleted, or not this tenant's.
create or replace function api.delete_webhook_endpoint(p_tenant_id uuid, p_endpoint_id uuid)
returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
  select internal.delete_webhook_endpoint(p_endpoint_id, p_tenant_id, false)
$$;

comment on function api.delete_webhook_endpoint(uuid, uuid) is
  'Remove a tenant''s own webhook endpoint; its unsent deliveries are cancelled.';
grant execute on function api.delete_webhook_endpoint(uuid, uuid)
  to ratecard_service, ratecard_admin;
