-- api.record_notification_attempt(): the outcome of the attempt the worker claimed, and
-- every rule that follows from it:
--   * success is a 2xx answer only (an HTTP status for webhooks; the SMTP reply code for
--     email, 250 for a message accepted);
--   * a webhook answered 410 Gone disables its endpoint (disabled_reason '410 Gone'),
--     fails the delivery and cancels the endpoint's other unsent deliveries;
--   * an SMTP 5xx reply is permanent: the delivery fails at once;
--   * anything else (another status, a redirect, a time-out, a refused connection, an
--     address refused as private) is retried on the schedule of
--     internal.notification_retry_delay, waiting at least p_retry_after_seconds when the
--     answer said Retry-After (at most 24 hours), until max_attempts: then it fails.
-- A retry enqueues a deliver_notifications run for its time, so the worker comes back
-- then. When no delivery of the outbox row is left to send, the row's delivered_at is set.
-- Returns the delivery's status now, or 'lost' when the delivery is no longer this
-- worker's (its lease ran out and another worker took it): then nothing changes.
create or replace function api.record_notification_attempt(
  p_tenant_id uuid,
  p_delivery_id uuid,
  p_worker text,
  p_status_code integer,
  p_error text default null,
  p_retry_after_seconds integer default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  d core.notification_deliveries;
  v_now timestamptz := internal.now();
  v_ok boolean := coalesce(p_status_code between 200 and 299, false);
  v_gone boolean;
  v_status text;
  v_next timestamptz;
begin
  select * into d from core.notification_deliveries x
   where x.tenant_id = p_tenant_id and x.delivery_id = p_delivery_id
     for update;
  if not found or d.status <> 'sending' or d.worker is distinct from p_worker then
    return 'lost';
  end if;
  v_gone := d.channel = 'webhook' and p_status_code = 410;
  if v_ok then
    v_status := 'succeeded';
  elsif v_gone or (d.channel = 'email' and p_status_code between 500 and 599)
        or d.attempts >= d.max_attempts then
    v_status := 'failed';
  else
    v_status := 'pending';
    v_next := v_now + greatest(
      -- the schedule counts from the delivery's first attempt, or from its resend
      coalesce(internal.notification_retry_delay(
                 greatest(d.attempts - d.max_attempts + 8, 1)), interval '10 hours'),
      pg_catalog.make_interval(secs => least(greatest(coalesce(p_retry_after_seconds, 0), 0),
                                             86400)));
  end if;
  update core.notification_deliveries x
     set status = v_status, worker = null, lease_until = null, next_attempt_at = v_next,
         last_status_code = p_status_code,
         last_error = case when v_ok then null else pg_catalog.left(p_error, 2000) end,
         finished_at = case when v_status in ('succeeded', 'failed') then v_now end
   where x.tenant_id = d.tenant_id and x.delivery_id = d.delivery_id;
  update core.notification_attempts a
     set finished_at = v_now, status_code = p_status_code,
         error = pg_catalog.left(p_error, 2000),
         outcome = case v_status when 'pending' then 'retry' else v_status end
   where a.tenant_id = d.tenant_id and a.delivery_id = d.delivery_id
     and a.attempt = d.attempts;
  if v_gone then
    update core.webhook_endpoints e
       set enabled = false, disabled_reason = '410 Gone', disabled_at = v_now
     where e.endpoint_id = d.endpoint_id;
    update core.notification_deliveries x
       set status = 'canceled', finished_at = v_now, next_attempt_at = null,
           last_error = 'endpoint 410 Gone'
     where x.endpoint_id = d.endpoint_id and x.status = 'pending';
  end if;
  if v_status = 'pending' then
    perform internal.enqueue_job('deliver_notifications', '{}', v_next,
                                 'retry:' || d.delivery_id || ':' || d.attempts,
                                 internal.job_requester());
  elsif not exists (select from core.notification_deliveries x
                     where x.tenant_id = d.tenant_id and x.notification_id = d.notification_id
                       and x.status in ('pending', 'sending')) then
    update core.notifications n set delivered_at = v_now
     where n.tenant_id = d.tenant_id and n.notification_id = d.notification_id;
  end if;
  return v_status;
end
$$;

comment on function api.record_notification_attempt(uuid, uuid, text, integer, text, integer) is
  'Worker: record an attempt''s answer; success (2xx), retry on schedule, fail, 410 disables.';
grant execute on function api.record_notification_attempt(uuid, uuid, text, integer, text,
                                                          integer)
  to ratecard_service;
