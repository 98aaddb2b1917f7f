-- api.mark_usage_report(): what Stripe answered for a usage report (the worker, after each
-- request). Outcomes:
--   created          the meter event was accepted: the report is sent
--   duplicate        Stripe already has an event with this identifier (an earlier attempt
--                    reached it): delivered, so sent as well
--   canceled         the event this correction replaces was cancelled; the report is sent
--                    when there is no remainder to send (event_value null)
--   cancel_refused   Stripe refused to cancel that event (past its 24 hours) on a report
--                    whose cancel was never accepted: the correction goes as a negative
--                    meter event instead (event_value = value)
--   too_old          Stripe refused the timestamp (outside its 35-day window): flagged
--   rejected         any other refusal no retry can mend (an unknown customer or meter):
--                    flagged for an operator
--   failed           a failure worth retrying (network, 5xx, 429): only the error is kept
-- A report that is no longer pending is left as it is (a late answer of a lost worker).
-- Returns the report's status. RC037 for an unknown report, RC005 for another outcome.
create or replace function api.mark_usage_report(
  p_tenant_id uuid, p_report_id bigint, p_outcome text, p_error text default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  r core.usage_reports;
  v_now timestamptz := internal.now();
  v_error text := left(p_error, 2000);
begin
  if p_outcome is null or p_outcome not in ('created', 'duplicate', 'canceled', 'cancel_refused',
                                            'too_old', 'rejected', 'failed') then
    raise exception 'unknown report outcome %', coalesce(p_outcome, 'null')
      using errcode = 'RC005',
            hint = 'created, duplicate, canceled, cancel_refused, too_old, rejected or failed';
  end if;
  select * into r from core.usage_reports x
   where x.tenant_id = p_tenant_id and x.report_id = p_report_id for update;
  if not found then
    raise exception 'unknown usage report % of tenant %', p_report_id, p_tenant_id
      using errcode = 'RC037';
  end if;
  if r.status <> 'pending' then
    return r.status;
  end if;
  if p_outcome in ('created', 'duplicate') then
    update core.usage_reports x
       set status = 'sent', sent_at = v_now, delivery = p_outcome, last_error = null
     where x.tenant_id = p_tenant_id and x.report_id = p_report_id;
    return 'sent';
  elsif p_outcome = 'canceled' then
    update core.usage_reports x
       set cancel_sent_at = coalesce(x.cancel_sent_at, v_now), last_error = null,
           status = case when x.event_value is null then 'sent' else x.status end,
           sent_at = case when x.event_value is null then v_now end,
           delivery = case when x.event_value is null then 'canceled' end
     where x.tenant_id = p_tenant_id and x.report_id = p_report_id
    returning x.status into r.status;
    return r.status;
  elsif p_outcome = 'cancel_refused' then
    update core.usage_reports x
       set cancels_report_id = null, event_value = x.value, last_error = v_error
     where x.tenant_id = p_tenant_id and x.report_id = p_report_id
       and x.cancel_sent_at is null;
    return 'pending';
  elsif p_outcome in ('too_old', 'rejected') then
    update core.usage_reports x
       set status = 'flagged', flag_reason = p_outcome, last_error = v_error
     where x.tenant_id = p_tenant_id and x.report_id = p_report_id;
    return 'flagged';
  end if;
  update core.usage_reports x set last_error = v_error
   where x.tenant_id = p_tenant_id and x.report_id = p_report_id;
  return 'pending';
end
$$;

comment on function api.mark_usage_report(uuid, bigint, text, text) is
  'Worker: record Stripe''s answer for a usage report (sent, cancel done, fallback, flagged, failed).';
grant execute on function api.mark_usage_report(uuid, bigint, text, text) to ratecard_service;
