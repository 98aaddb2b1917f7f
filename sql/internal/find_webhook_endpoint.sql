-- internal.find_webhook_endpoint(): lock an endpoint that is not deleted, checking whose it
-- is: with p_tenant_id, only that tenant's own endpoint (a tenant never reaches another's
-- or a platform-wide one); without, any (administrators). RC028 when there is none.
create or replace function internal.find_webhook_endpoint(p_endpoint_id uuid,
                                                          p_tenant_id uuid, p_any boolean)
returns core.webhook_endpoints
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e core.webhook_endpoints;
begin
  select * into e from core.webhook_endpoints x
   where x.endpoint_id = p_endpoint_id and x.deleted_at is null
     and (p_any or x.tenant_id = p_tenant_id)
     for update;
  if not found then
    raise exception 'unknown webhook endpoint: %', p_endpoint_id using errcode = 'RC028';
  end if;
  return e;
end
$$;

comment on function internal.find_webhook_endpoint(uuid, uuid, boolean) is
  'Lock a live webhook endpoint of the tenant (or any, for admins); RC028 when none.';
revoke execute on function internal.find_webhook_endpoint(uuid, uuid, boolean) from public;
