-- api.expire_trials(): the time step for trials that end without a payment method.
--
-- Stripe ends trials itself: with a payment method it starts charging and its
-- customer.subscription.updated event moves the status on; without one (Checkout collects
-- a card only if required) it cancels or pauses the subscription and says so by event.
-- This step is the safety net for when Stripe has said nothing: a subscription still
-- trialing per its newest snapshot, whose trial ended more than p_grace ago, with no
-- payment method on it, is lapsed (trial_lapsed_at). internal.sync_billing_state then
-- derives canceled, so the tenant falls back to the free plan (entitlements follow by
-- trigger) with one trial_ended outbox row; data is kept and the tenant is not suspended.
-- A later Stripe snapshot with a new trial end or another status wins as usual. A trial
-- assigned without Stripe (no snapshot) is ended the same way. Returns how many trials
-- lapsed now. Safe to run at any time; run every 5 minutes by the SQL job expire_trials.
create or replace function api.expire_trials(p_grace interval default interval '1 hour')
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant uuid;
  v_trial_end timestamptz;
  v_count integer := 0;
begin
  if p_grace is null or p_grace < interval '0' then
    raise exception 'grace must be zero or more' using errcode = 'RC005';
  end if;
  for v_tenant in
    select s.tenant_id from core.subscriptions s
     where s.status = 'trialing' and s.trial_end + p_grace <= internal.now()
       and not s.has_payment_method
     order by s.tenant_id
  loop
    -- the tenant row first, as event application does; then check again under the lock
    perform from core.tenants t where t.tenant_id = v_tenant for update;
    update core.subscriptions s
       set trial_lapsed_at = internal.now(),
           -- without a Stripe snapshot nothing derives the status: end it here
           status = case when s.stripe_status is null then 'canceled' else s.status end,
           canceled_at = case when s.stripe_status is null then internal.now()
                              else s.canceled_at end,
           updated_at = internal.now()
     where s.tenant_id = v_tenant and s.status = 'trialing'
       and s.trial_end + p_grace <= internal.now() and not s.has_payment_method
    returning s.trial_end into v_trial_end;
    continue when not found;
    perform internal.sync_billing_state(v_tenant);
    perform internal.notify(v_tenant, 'trial_ended',
      jsonb_build_object('trial_end', v_trial_end, 'reason', 'no payment method'),
      v_trial_end::text);
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function api.expire_trials(interval) is
  'Lapse trials that ended without a payment method (free plan); returns how many.';
grant execute on function api.expire_trials(interval) to ratecard_service, ratecard_admin;
