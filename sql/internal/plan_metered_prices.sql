-- internal.plan_metered_prices(): the metered Stripe prices (billed usage) a plan is sold
-- with at an interval, by feature: the active ones sync-catalog made. Checkout adds them to
-- the session (metered items carry no quantity); a plan change swaps them.
create or replace function internal.plan_metered_prices(p_plan text, p_interval text)
returns table (feature text, price_id text)
language sql
stable
security definer
set search_path = ''
as $$
  select c.feature, c.stripe_id
    from core.stripe_catalog c
   where c.object = 'price' and c.active and c.plan = p_plan and c.feature is not null
     and c.billing_interval = p_interval
   order by c.feature
$$;

comment on function internal.plan_metered_prices(text, text) is
  'Active metered Stripe prices of a plan at an interval, by feature.';
revoke execute on function internal.plan_metered_prices(text, text) from public;
