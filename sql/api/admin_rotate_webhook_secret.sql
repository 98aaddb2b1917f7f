-- api.admin_rotate_webhook_secret(): an administrator rotates the secret of any endpoint
-- (POST /v1/admin/webhook-endpoints/{id}/rotate-secret). RC028 when unknown.
create or replace function api.admin_rotate_webhook_secret(p_endpoint_id uuid)
returns table (endpoint_id uuid, secret text, previous_secret_until timestamptz)
language sql
volatile
security definer
set search_path = ''
as $$
  select * from internal.rotate_webhook_secret(p_endpoint_id, null, true)
$$;

comment on function api.admin_rotate_webhook_secret(uuid) is
  'New signing secret for any webhook endpoint (returned once); the old one signs for 24 h.';
grant execute on function api.admin_rotate_webhook_secret(uuid) to ratecard_admin;
