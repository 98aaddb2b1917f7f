-- api.receive_stripe_event(): store a verified Stripe webhook event once and apply it.
--
-- The HTTP layer verifies the signature on the raw body, then makes this one call. The
-- event is stored by its id (a redelivery is a duplicate: nothing happens a second time)
-- and applied in the same transaction. If applying fails, the event is still stored with
-- status failed and the error, and api.retry_stripe_events applies it later; events for a
-- customer not linked yet are stored as unknown_customer and applied once it is. So
-- at-least-once delivery plus this idempotent apply gives an exactly-once effect.
-- Malformed events (no id, type, created or data.object) are RC021 and store nothing.
-- A delivery whose id is stored with another body changes nothing either: it answers as a
-- duplicate with conflict = true (the HTTP route logs it as a conflict). Stripe never
-- sends two bodies under one id, so it is a replay of a forged or test payload whose
-- signature happened to verify, or a bug upstream; the first body stays authoritative.
create or replace function api.receive_stripe_event(p_event jsonb)
returns table (event_id text, duplicate boolean, status text, conflict boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id text := p_event->>'id';
  v_status text;
  v_payload jsonb;
begin
  if jsonb_typeof(p_event) is distinct from 'object'
     or v_id !~ '^evt_[A-Za-z0-9_]{1,250}$'
     or jsonb_typeof(p_event->'type') is distinct from 'string'
     or jsonb_typeof(p_event->'created') is distinct from 'number'
     or jsonb_typeof(p_event->'data'->'object') is distinct from 'object' then
    raise exception 'not a Stripe event'
      using errcode = 'RC021', hint = 'expected {id: evt_..., type, created, data: {object}}';
  end if;
  insert into core.stripe_events (event_id, type, created_at, livemode, object_id, payload,
                                  received_at)
  values (v_id, p_event->>'type', to_timestamp((p_event->>'created')::double precision),
          coalesce((p_event->>'livemode')::boolean, false), p_event->'data'->'object'->>'id',
          p_event, internal.now())
  on conflict on constraint stripe_events_pkey do nothing;
  if not found then
    select e.status, e.payload into v_status, v_payload
      from core.stripe_events e where e.event_id = v_id;
    return query select v_id, true, v_status, v_payload is distinct from p_event;
    return;
  end if;
  v_status := internal.apply_stripe_event(v_id);
  return query select v_id, false, v_status, false;
end
$$;

comment on function api.receive_stripe_event(jsonb) is
  'Store a verified Stripe event once by id and apply it; returns its status, whether it was a duplicate and whether a duplicate came with another body (conflict).';
grant execute on function api.receive_stripe_event(jsonb) to ratecard_service, ratecard_admin;
