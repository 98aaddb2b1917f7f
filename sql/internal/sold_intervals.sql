-- internal.sold_intervals(): the intervals a plan is sold at, each with its price in cents:
-- its own interval at price_cents, and a year at annual_price_cents when a monthly plan is
-- also sold yearly. Checkout, sync-catalog and the metered prices follow the same list.
create or replace function internal.sold_intervals(
  p_interval text, p_price_cents bigint, p_annual_price_cents bigint
)
returns table (billing_interval text, price_cents bigint)
language sql
immutable
parallel safe
as $$
  select p_interval, p_price_cents
  union all
  select 'year', p_annual_price_cents
   where p_interval = 'month' and p_annual_price_cents is not null
$$;

comment on function internal.sold_intervals(text, bigint, bigint) is
  'Intervals a plan is sold at, with the price of each (own interval, and a year if set).';
grant execute on function internal.sold_intervals(text, bigint, bigint)
  to ratecard_tenant, ratecard_service, ratecard_admin;
