-- api.rotate_webhook_secret(): a tenant rotates the signing secret of one of its endpoints
-- (POST /v1/billing/webhook-endpoints/{id}/rotate-secret, as ratecard_service for the key's
-- tenant). The new secret is returned once; the old one keeps signing beside it for 24
-- hours. RC028 when the endpoint is unknown, deleted, or not this tenant's.
create or replace function api.rotate_webhook_secret(p_tenant_id uuid, p_endpoint_id uuid)
returns table (endpoint_id uuid, secret text, previous_secret_until timestamptz)
language sql
volatile
security definer
set search_path = ''
as $$
  select * from internal.rotate_webhook_secret(p_endpoint_id, p_tenant_id, false)
$$;

comment on function api.rotate_webhook_secret(uuid, uuid) is
  'New signing secret for a tenant''s endpoint (returned once); the old one signs for 24 h.';
grant execute on function api.rotate_webhook_secret(uuid, uuid)
  to ratecard_service, ratecard_admin;
