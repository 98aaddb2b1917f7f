-- api.create_webhook_endpoint(): a tenant's webhook endpoint (POST
-- /v1/billing/webhook-endpoints runs it as ratecard_service for the key's own tenant;
-- admins for any tenant). The tenant receives the notification types in p_event_types
-- (empty: every type) there, signed with the secret returned here once (`whsec_...`).
-- RC001 unknown tenant, RC030 a URL of the wrong shape, RC005 unknown event types or a
-- description over 500 characters. Where the URL may point (https, no private addresses)
-- the HTTP layer checks before (ratecard/notify/urls.py).
create or replace function api.create_webhook_endpoint(
  p_tenant_id uuid, p_url text, p_event_types text[] default '{}',
  p_description text default null
)
returns table (endpoint_id uuid, tenant_id uuid, url text, event_types text[],
               description text, secret text, created_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_tenant_id is null
     or not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    raise exception 'unknown tenant: %', p_tenant_id using errcode = 'RC001';
  end if;
  return query
    select * from internal.create_webhook_endpoint(p_tenant_id, p_url, p_event_types,
                                                   p_description);
end
$$;

comment on function api.create_webhook_endpoint(uuid, text, text[], text) is
  'Register a tenant''s webhook endpoint; returns its signing secret (whsec_...) once.';
grant execute on function api.create_webhook_endpoint(uuid, text, text[], text)
  to ratecard_service, ratecard_admin;
