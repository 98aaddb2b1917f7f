-- internal.apply_stripe_event(): apply one stored Stripe event and record the outcome in
-- core.stripe_events (applied, ignored, stale, unknown_customer or failed with the error).
-- Idempotent: an applied, ignored, stale or dismissed event is not applied again. A
-- failure or a missing customer sets the next retry time (internal.retry_backoff). The
-- tenant row is locked first, so two events of one tenant are applied one after the other.
--
-- An event whose customer is not linked to a tenant yet may race with the event that
-- links it (a subscription carrying the tenant id, a completed Checkout): the link is made
-- under a per-customer advisory lock (internal.link_stripe_customer), and an event that
-- finds no tenant takes the same lock and looks again. So it either sees the committed
-- link, or is stored as unknown_customer before the linking transaction looks for waiting
-- events and is applied by it. The retry sweep (p_wait false) only tries the lock, so a
-- sweep never waits on a webhook while holding other tenants' locks; it leaves the event
-- for its next run instead.
create or replace function internal.apply_stripe_event(p_event_id text, p_wait boolean default true)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  e core.stripe_events;
  v_obj jsonb;
  v_tenant uuid;
  v_outcome text;
begin
  select * into e from core.stripe_events x where x.event_id = p_event_id for update;
  if not found or e.status in ('applied', 'ignored', 'stale', 'dismissed') then
    return e.status;
  end if;
  v_obj := e.payload->'data'->'object';
  if e.type not in ('checkout.session.completed', 'customer.subscription.created',
                    'customer.subscription.updated', 'customer.subscription.deleted',
                    'customer.subscription.trial_will_end', 'invoice.paid',
                    'invoice.payment_succeeded', 'invoice.payment_failed',
                    'invoice.created', 'invoice.finalized', 'invoice.updated') then
    update core.stripe_events x set status = 'ignored', applied_at = internal.now()
     where x.event_id = p_event_id;
    return 'ignored';
  end if;

  v_tenant := internal.resolve_stripe_tenant(v_obj);
  if v_tenant is null and v_obj->>'customer' is not null then
    if p_wait then
      perform pg_advisory_xact_lock(
        hashtextextended('ratecard.stripe_customer:' || (v_obj->>'customer'), 0));
    elsif not pg_try_advisory_xact_lock(
                hashtextextended('ratecard.stripe_customer:' || (v_obj->>'customer'), 0)) then
      return e.status;
    end if;
    v_tenant := internal.resolve_stripe_tenant(v_obj);
  end if;
  if v_tenant is null then
    update core.stripe_events x
       set status = 'unknown_customer', attempts = x.attempts + 1,
           next_attempt_at = internal.now() + internal.retry_backoff(x.attempts + 1)
     where x.event_id = p_event_id;
    return 'unknown_customer';
  end if;
  perform from core.tenants t where t.tenant_id = v_tenant for update;
  -- In progress: linking a customer while applying this event replays that customer's
  -- waiting events, and must not replay this one.
  if e.status <> 'pending' then
    update core.stripe_events x set status = 'pending' where x.event_id = p_event_id;
  end if;

  begin
    if e.type = 'checkout.session.completed' then
      v_outcome := internal.apply_checkout_completed(v_tenant, v_obj);
    elsif e.type = 'customer.subscription.trial_will_end' then
      perform internal.notify(v_tenant, 'trial_will_end',
                              jsonb_build_object('trial_end', v_obj->'trial_end'),
                              coalesce(v_obj->>'trial_end', e.event_id));
      v_outcome := 'applied';
    elsif e.type like 'customer.subscription.%' then
      v_outcome := internal.apply_subscription_snapshot(v_tenant, e.created_at, v_obj,
        case e.type when 'customer.subscription.updated' then 1
                    when 'customer.subscription.deleted' then 2 else 0 end::smallint);
    else
      v_outcome := internal.apply_invoice_event(v_tenant, e.event_id, e.type, e.created_at,
                                                v_obj);
    end if;
  exception when others then
    update core.stripe_events x
       set status = 'failed', attempts = x.attempts + 1, last_error = sqlerrm,
           tenant_id = v_tenant,
           next_attempt_at = internal.now() + internal.retry_backoff(x.attempts + 1)
     where x.event_id = p_event_id;
    return 'failed';
  end;
  update core.stripe_events x
     set status = v_outcome, attempts = x.attempts + 1, applied_at = internal.now(),
         tenant_id = v_tenant, last_error = null, next_attempt_at = null
   where x.event_id = p_event_id;
  return v_outcome;
end
$$;

comment on function internal.apply_stripe_event(text, boolean) is
  'Apply a stored Stripe event once; record applied/ignored/stale/unknown_customer/failed.';
