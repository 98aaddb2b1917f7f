-- api.dismiss_stripe_event(): an administrator closes a stored Stripe event that will never
-- apply (a customer that is no tenant of ours, an event for a deleted test object, a
-- payload the code rejects), so the retry sweep stops trying and the admin list shows why.
-- Only events still waiting (pending, failed, unknown_customer) can be dismissed: an
-- applied event's effect stays. Dismissing again only replaces the reason when one is
-- given. RC012 for an unknown event id,
-- RC023 for an event that already took effect, RC005 for a reason over 500 characters.
create or replace function api.dismiss_stripe_event(p_event_id text, p_reason text default null)
returns table (event_id text, status text, dismissed_reason text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e core.stripe_events;
begin
  if length(p_reason) > 500 then
    raise exception 'reason is longer than 500 characters' using errcode = 'RC005';
  end if;
  select * into e from core.stripe_events x where x.event_id = p_event_id for update;
  if not found then
    raise exception 'unknown Stripe event %', coalesce(p_event_id, 'null')
      using errcode = 'RC012', hint = 'see GET /v1/admin/stripe-events';
  end if;
  if e.status in ('applied', 'ignored', 'stale') then
    raise exception 'Stripe event % was already %', p_event_id, e.status
      using errcode = 'RC023', hint = 'only pending, failed or unknown_customer events';
  end if;
  update core.stripe_events x
     set status = 'dismissed', next_attempt_at = null,
         dismissed_reason = coalesce(p_reason, x.dismissed_reason, 'dismissed by an administrator')
   where x.event_id = p_event_id;
  return query select x.event_id, x.status, x.dismissed_reason
                 from core.stripe_events x where x.event_id = p_event_id;
end
$$;

comment on function api.dismiss_stripe_event(text, text) is
  'Stop retrying a stored Stripe event that will never apply (admins); keeps it with the reason.';
grant execute on function api.dismiss_stripe_event(text, text) to ratecard_admin;
