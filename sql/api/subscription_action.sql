-- api.subscription_action(): check that a tenant's subscription allows an action before
-- the billing routes ask Stripe for it, and return the Stripe ids to act on.
--   cancel      an active (trialing, active, past_due) paid subscription      else RC013
--   reactivate  a subscription set to cancel at period end                   else RC014
--   seats       an active paid subscription; p_seats 1 to 100000             else RC013/RC004
--   addon       an active paid subscription (add-ons ride on it)             else RC013
--   cancel_now  (administrators) any subscription Stripe has not ended: trialing, active,
--               past_due, unpaid or incomplete as Stripe last said (a trial Ratecard
--               lapsed included), or paused: it is cancelled at once       else RC013
create or replace function api.subscription_action(
  p_tenant_id uuid, p_action text, p_seats integer default null
)
returns table (stripe_subscription_id text, stripe_item_id text, stripe_customer_id text,
               plan text, seats integer)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  s core.subscriptions;
begin
  if p_action is null or p_action not in ('cancel', 'reactivate', 'seats', 'addon', 'cancel_now') then
    raise exception 'unknown action %', coalesce(p_action, 'null') using errcode = 'RC005';
  end if;
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  select * into s from core.subscriptions x where x.tenant_id = p_tenant_id;
  if not found or s.stripe_subscription_id is null
     or (p_action <> 'cancel_now' and s.status not in ('trialing', 'active', 'past_due'))
     or (p_action = 'cancel_now'
         and s.stripe_status not in ('trialing', 'active', 'past_due', 'unpaid', 'incomplete')
         and s.cancel_reason is distinct from 'paused') then
    raise exception 'no active subscription'
      using errcode = 'RC013', hint = 'start one with POST /v1/billing/checkout';
  end if;
  if p_action = 'reactivate' and not s.cancel_at_period_end then
    raise exception 'the subscription is not cancelled'
      using errcode = 'RC014', hint = 'only a subscription set to end can be reactivated';
  end if;
  if p_action = 'seats' and (p_seats is null or p_seats not between 1 and 100000) then
    raise exception 'seats must be 1 to 100000' using errcode = 'RC004';
  end if;
  return query select s.stripe_subscription_id, s.stripe_item_id,
    (select t.stripe_customer_id from core.tenants t where t.tenant_id = p_tenant_id),
    s.plan, s.seats;
end
$$;

comment on function api.subscription_action(uuid, text, integer) is
  'Validate cancel/reactivate/seats/addon/cancel_now on a tenant''s subscription; returns its Stripe ids.';
grant execute on function api.subscription_action(uuid, text, integer)
  to ratecard_service, ratecard_admin;
