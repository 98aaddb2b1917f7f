-- api.resend_notification(): an administrator sends an outbox row again (POST
-- /v1/admin/notifications/{id}/resend, `ratecard notifications resend ID`). Deliveries
-- that are missing are planned first (an endpoint or recipient added since, or a row
-- written before delivery existed); then every delivery of the row that has ended
-- (failed, canceled, or succeeded) and whose endpoint is still enabled goes back to the
-- queue with 8 more attempts, keeping its ids (the same webhook-id and Message-ID, so a
-- receiver that already has it can tell). Deliveries still pending or being sent are left
-- alone. Wakes the worker. Returns how many deliveries were queued (planned or requeued). RC029 when no
-- notification has that id.
create or replace function api.resend_notification(p_notification_id bigint)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  n core.notifications;
  v_now timestamptz := internal.now();
  v_count integer;
  v_planned integer;
begin
  select * into n from core.notifications x where x.notification_id = p_notification_id;
  if not found then
    raise exception 'unknown notification: %', p_notification_id using errcode = 'RC029',
      hint = 'api.notifications lists them';
  end if;
  v_planned := internal.plan_notification_deliveries(n.tenant_id, n.notification_id);
  with requeued as (
    update core.notification_deliveries d
       set status = 'pending', next_attempt_at = v_now, finished_at = null,
           max_attempts = d.attempts + 8
     where d.tenant_id = n.tenant_id and d.notification_id = n.notification_id
       and d.status in ('failed', 'canceled', 'succeeded')
       and (d.endpoint_id is null
            or exists (select from core.webhook_endpoints e
                        where e.endpoint_id = d.endpoint_id and e.enabled))
    returning 1
  )
  select count(*)::integer + v_planned into v_count from requeued;
  if v_count > 0 then
    update core.notifications x set delivered_at = null
     where x.tenant_id = n.tenant_id and x.notification_id = n.notification_id;
    perform internal.enqueue_job('deliver_notifications', '{}', null,
                                 'resend:' || n.notification_id || ':' || pg_catalog.txid_current(),
                                 internal.job_requester());
  end if;
  return v_count;
end
$$;

comment on function api.resend_notification(bigint) is
  'Send an outbox row again: plan missing deliveries, requeue ended ones (same ids).';
grant execute on function api.resend_notification(bigint) to ratecard_admin;
