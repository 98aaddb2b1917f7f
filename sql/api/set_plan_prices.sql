-- api.set_plan_prices(): map a plan to its Stripe product and prices (monthly, annual).
-- Subscriptions are matched to plans by these price ids. A null argument keeps what is
-- set; an empty string clears it (so setting the monthly price never drops the annual one).
-- Ids look like price_... (or plan_... for legacy Plans).
create or replace function api.set_plan_prices(
  p_plan text, p_monthly text, p_annual text default null, p_product text default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if coalesce(p_monthly, '') !~ '^(price|plan)_[A-Za-z0-9_]+$|^$'
     or coalesce(p_annual, '') !~ '^(price|plan)_[A-Za-z0-9_]+$|^$' then
    raise exception 'Stripe price ids look like price_...' using errcode = 'RC005';
  end if;
  update core.plans p
     set stripe_price_monthly_id = case when p_monthly is null then p.stripe_price_monthly_id
                                        else nullif(p_monthly, '') end,
         stripe_price_annual_id = case when p_annual is null then p.stripe_price_annual_id
                                       else nullif(p_annual, '') end,
         stripe_product_id = coalesce(p_product, p.stripe_product_id)
   where p.code = p_plan;
  if not found then
    raise exception 'unknown plan %', coalesce(p_plan, 'null') using errcode = 'RC003';
  end if;
end
$$;

comment on function api.set_plan_prices(text, text, text, text) is
  'Set a plan''s Stripe price ids (monthly, annual) and product id.';
grant execute on function api.set_plan_prices(text, text, text, text) to ratecard_admin;
