-- internal.delete_webhook_endpoint(): remove an endpoint (softly: deleted_at, so past
-- deliveries keep their target) and cancel its deliveries not yet sent. RC028 when the
-- endpoint is unknown, deleted, or (with p_tenant_id) not that tenant's.
create or replace function internal.delete_webhook_endpoint(p_endpoint_id uuid,
                                                            p_tenant_id uuid, p_any boolean)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e core.webhook_endpoints := internal.find_webhook_endpoint(p_endpoint_id, p_tenant_id, p_any);
  v_now timestamptz := internal.now();
begin
  update core.webhook_endpoints x set deleted_at = v_now, enabled = false,
         disabled_reason = 'deleted', disabled_at = v_now
   where x.endpoint_id = e.endpoint_id;
  update core.notification_deliveries d
     set status = 'canceled', finished_at = v_now, next_attempt_at = null,
         last_error = 'endpoint deleted'
   where d.endpoint_id = e.endpoint_id and d.status = 'pending';
  return e.endpoint_id;
end
$$;

comment on function internal.delete_webhook_endpoint(uuid, uuid, boolean) is
  'Remove a webhook endpoint (soft) and cancel its unsent deliveries.';
revoke execute on function internal.delete_webhook_endpoint(uuid, uuid, boolean) from public;
