-- api.set_plan_annual_price(): sell a monthly plan yearly too, at this price for a year
-- (cents); null stops selling it yearly. `ratecard stripe sync-catalog` makes the annual
-- Stripe price from it (and the plan's metered prices at the yearly interval). A plan
-- whose own interval is a year is sold yearly at its price_cents and takes none.
-- Errors: RC003 unknown plan, RC004 a negative price, RC005 a yearly plan.
create or replace function api.set_plan_annual_price(p_plan text, p_cents bigint)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  p core.plans;
begin
  select * into p from core.plans x where x.code = p_plan for update;
  if not found then
    raise exception 'unknown plan %', coalesce(p_plan, 'null') using errcode = 'RC003';
  end if;
  if p_cents < 0 then
    raise exception 'price must be zero or more cents, got %', p_cents using errcode = 'RC004';
  end if;
  if p.billing_interval = 'year' and p_cents is not null then
    raise exception 'plan % is billed yearly already: its price_cents is the year''s', p_plan
      using errcode = 'RC005';
  end if;
  update core.plans x set annual_price_cents = p_cents where x.code = p_plan;
end
$$;

comment on function api.set_plan_annual_price(text, bigint) is
  'Sell a monthly plan yearly too, at this price a year (cents); null: monthly only.';
grant execute on function api.set_plan_annual_price(text, bigint) to ratecard_admin;
