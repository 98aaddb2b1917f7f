-- api.stripe_events: stored Stripe events and what applying them did, newest first. Admins
-- use it to find events for unknown customers (status unknown_customer) or failures, when
-- the sweep tries them next, and why a dismissed one was dismissed.
create or replace view api.stripe_events
with (security_invoker = true)
as
  select e.event_id, e.type, e.created_at, e.received_at, e.status, e.attempts,
         e.applied_at, e.last_error, e.next_attempt_at, e.dismissed_reason, e.tenant_id,
         e.object_id, e.payload->'data'->'object'->>'customer' as customer_id
    from core.stripe_events e
   order by e.received_at desc;

comment on view api.stripe_events is 'Stripe webhook events and their outcome (admins).';
grant select on api.stripe_events to ratecard_admin;
