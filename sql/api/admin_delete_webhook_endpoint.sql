-- api.admin_delete_webhook_endpoint(): an administrator removes any endpoint, a tenant's or
-- a platform-wide one (DELETE /v1/admin/webhook-endpoints/{id}). RC028 when unknown.
create or replace function api.admin_delete_webhook_endpoint(p_endpoint_id uuid)
returns uuid
language sql
volatile
security definer
set search_path = ''
as $$
  select internal.delete_webhook_endpoint(p_endpoint_id, null, true)
$$;

comment on function api.admin_delete_webhook_endpoint(uuid) is
  'Remove any webhook endpoint (a tenant''s or platform-wide); unsent deliveries cancelled.';
grant execute on function api.admin_delete_webhook_endpoint(uuid) to ratecard_admin;
