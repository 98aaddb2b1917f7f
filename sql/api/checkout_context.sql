-- api.checkout_context(): everything the checkout route needs before it asks Stripe for a
-- Checkout Session, checked in one place: the plan on sale at that interval with its
-- Stripe price and trial days (api.plan_price), the seats to sell (as asked for a per-seat
-- plan, else 1), and the tenant's contact and Stripe customer. A tenant that already has
-- a live paid subscription changes plan instead of buying a second one. The plan's metered
-- prices (billed usage, internal.plan_metered_prices) go into the session too.
-- Errors: RC004 seats outside 1 to 100000, RC001 unknown tenant, RC016 already subscribed
-- (trialing, active or past_due), then those of api.plan_price (RC003, RC005, RC011).
create or replace function api.checkout_context(
  p_tenant_id uuid, p_plan text, p_interval text default 'month', p_seats integer default 1,
  p_default_trial_days integer default null
)
returns table (plan text, price_id text, trial_days integer, seats integer, email text,
               stripe_customer_id text, metered_price_ids text[])
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  c record;
  p record;
begin
  if p_seats is null or p_seats not between 1 and 100000 then
    raise exception 'seats must be 1 to 100000' using errcode = 'RC004';
  end if;
  select * into c from api.billing_context(p_tenant_id);
  if c.stripe_subscription_id is not null and c.status in ('trialing', 'active', 'past_due') then
    raise exception 'the tenant already has a subscription'
      using errcode = 'RC016', hint = 'use POST /v1/billing/change-plan';
  end if;
  select * into p from api.plan_price(p_plan, p_interval, p_default_trial_days);
  return query select p.plan, p.price_id, p.trial_days,
                      case when p.per_seat then p_seats else 1 end, c.email,
                      c.stripe_customer_id,
                      array(select m.price_id
                              from internal.plan_metered_prices(p.plan, p_interval) m);
end
$$;

comment on function api.checkout_context(uuid, text, text, integer, integer) is
  'Check a checkout request (seats, not yet subscribed, plan on sale) and return what Stripe needs.';
grant execute on function api.checkout_context(uuid, text, text, integer, integer)
  to ratecard_service, ratecard_admin;
