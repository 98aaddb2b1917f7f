-- internal.create_webhook_endpoint(): register an endpoint for a tenant (p_tenant_id) or
-- for the platform (null: every tenant's events) with a new signing secret, returned here
-- and never again (no view shows it; see sql/policies/core.webhook_endpoints.sql).
-- RC030 for a URL of the wrong shape, RC005 for unknown event types or a description over
-- 500 characters. The callers check the tenant.
create or replace function internal.create_webhook_endpoint(
  p_tenant_id uuid, p_url text, p_event_types text[], p_description text
)
returns table (endpoint_id uuid, tenant_id uuid, url text, event_types text[],
               description text, secret text, created_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.check_webhook_url(p_url);
  perform internal.check_notification_types(coalesce(p_event_types, '{}'), 'event_types');
  if pg_catalog.length(p_description) > 500 then
    raise exception 'a description has at most 500 characters' using errcode = 'RC005';
  end if;
  return query
    insert into core.webhook_endpoints as e
      (tenant_id, url, event_types, description, secret, created_at)
    values (p_tenant_id, p_url,
            coalesce((select pg_catalog.array_agg(distinct t order by t)
                        from pg_catalog.unnest(p_event_types) t), '{}'),
            p_description, internal.webhook_secret(), internal.now())
    returning e.endpoint_id, e.tenant_id, e.url, e.event_types, e.description, e.secret,
              e.created_at;
end
$$;

comment on function internal.create_webhook_endpoint(uuid, text, text[], text) is
  'Register a webhook endpoint (tenant or platform-wide) with a new secret, returned once.';
revoke execute on function internal.create_webhook_endpoint(uuid, text, text[], text)
  from public;
