-- api.create_platform_webhook_endpoint(): an administrator's endpoint that receives the
-- notifications of every tenant (POST /v1/admin/webhook-endpoints without a tenant), for
-- example the operator's own alerting. Tenants do not see it or its deliveries, and their
-- preferences do not apply to it. The secret is returned here once. RC030, RC005 as for
-- api.create_webhook_endpoint.
create or replace function api.create_platform_webhook_endpoint(
  p_url text, p_event_types text[] default '{}', p_description text default null
)
returns table (endpoint_id uuid, tenant_id uuid, url text, event_types text[],
               description text, secret text, created_at timestamptz)
language sql
volatile
security definer
set search_path = ''
as $$
  select * from internal.create_webhook_endpoint(null, p_url, p_event_types, p_description)
$$;

comment on function api.create_platform_webhook_endpoint(text, text[], text) is
  'Register a platform-wide webhook endpoint (every tenant''s events); secret returned once.';
grant execute on function api.create_platform_webhook_endpoint(text, text[], text)
  to ratecard_admin;
