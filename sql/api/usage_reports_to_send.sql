-- api.usage_reports_to_send(): the worker's next usage reports of one tenant, oldest first,
-- each stamped as attempted (first_attempt_at, attempts) before any request is made, so
-- the time is never later than Stripe's receipt of it.
--
-- Reports that must not be sent (again) are flagged for an operator instead:
--   too_old      never attempted, and its timestamp is older than Stripe accepts (35
--                days; an hour of margin): Stripe would refuse it
--   unconfirmed  attempted more than 23 hours ago and never confirmed: Stripe forgets
--                identifiers and idempotency keys after 24 hours, so sending it again
--                could count it twice; an operator checks Stripe's summary and resolves
--                it (api.resolve_usage_report)
-- Returned per report: the meter event to send (event_name, the customer, event_value, the
-- timestamp as Unix seconds, identifier) and, for a correction replacing an event, the
-- identifier to cancel first (cancel_identifier, null once done).
create or replace function api.usage_reports_to_send(p_tenant_id uuid, p_limit integer default 100)
returns table (report_id bigint, feature text, event_name text, stripe_customer_id text,
               identifier text, event_value bigint, event_at bigint, cancel_identifier text,
               attempts integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
begin
  update core.usage_reports r
     set status = 'flagged',
         flag_reason = case when r.first_attempt_at is null then 'too_old' else 'unconfirmed' end,
         last_error = case when r.first_attempt_at is null
                           then 'older than Stripe''s 35-day window for meter events'
                           else 'not confirmed within 23 hours of the first attempt: check '
                                || 'Stripe''s meter summary before sending it again' end
   where r.tenant_id = p_tenant_id and r.status = 'pending'
     and ((r.first_attempt_at is null
           and r.event_at < v_now - interval '35 days' + interval '1 hour')
          or r.first_attempt_at <= v_now - interval '23 hours');
  return query
    with picked as (
      select r.report_id from core.usage_reports r
       where r.tenant_id = p_tenant_id and r.status = 'pending'
       order by r.report_id
       limit greatest(coalesce(p_limit, 100), 0)
         for update
    )
    update core.usage_reports r
       set first_attempt_at = coalesce(r.first_attempt_at, v_now), attempts = r.attempts + 1
      from picked p
     where r.tenant_id = p_tenant_id and r.report_id = p.report_id
    returning r.report_id, r.feature, r.event_name, r.stripe_customer_id, r.identifier,
              r.event_value, extract(epoch from r.event_at)::bigint,
              case when r.cancel_sent_at is null
                   then (select x.identifier from core.usage_reports x
                          where x.tenant_id = r.tenant_id
                            and x.report_id = r.cancels_report_id) end,
              r.attempts;
end
$$;

comment on function api.usage_reports_to_send(uuid, integer) is
  'Worker: a tenant''s pending usage reports to send (marked attempted); too old or unconfirmed ones flagged.';
grant execute on function api.usage_reports_to_send(uuid, integer) to ratecard_service;
