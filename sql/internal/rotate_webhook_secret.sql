-- internal.rotate_webhook_secret(): give an endpoint a new signing secret, returned once.
-- For the next 24 hours every webhook is signed with the new and the old secret (two
-- signatures in webhook-signature), so the receiver can switch without losing a message.
-- A second rotation within those hours replaces the old secret with the one being
-- retired now. RC028 when the endpoint is unknown, deleted, or not the tenant's.
create or replace function internal.rotate_webhook_secret(p_endpoint_id uuid,
                                                          p_tenant_id uuid, p_any boolean)
returns table (endpoint_id uuid, secret text, previous_secret_until timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e core.webhook_endpoints := internal.find_webhook_endpoint(p_endpoint_id, p_tenant_id, p_any);
begin
  return query
    update core.webhook_endpoints x
       set previous_secret = x.secret, secret = internal.webhook_secret(),
           previous_secret_until = internal.now() + interval '24 hours'
     where x.endpoint_id = e.endpoint_id
    returning x.endpoint_id, x.secret, x.previous_secret_until;
end
$$;

comment on function internal.rotate_webhook_secret(uuid, uuid, boolean) is
  'New signing secret for an endpoint; the old one signs too for 24 hours.';
revoke execute on function internal.rotate_webhook_secret(uuid, uuid, boolean) from public;
