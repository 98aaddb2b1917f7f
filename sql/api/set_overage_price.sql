-- api.set_overage_price(): the price of billed usage (overage policy `bill`) on a plan, in
-- cents per unit past the included amount (the plan's limit for the feature). Decimal
-- cents: 0.0005 is $5 per million units, 0.002 is $0.00002 a unit. `ratecard stripe
-- sync-catalog` turns it into the plan's metered Stripe price: graduated tiers (the
-- included amount at 0, then this price) when the limit is above zero, a flat unit price
-- when it is zero (pay as you go). GET /v1/billing/usage estimates the charge with it.
-- Null clears it. Errors: RC003 unknown plan, RC002 unknown feature, RC005 the plan has no
-- `bill` limit for the feature, RC004 a negative price or one finer than 12 decimals.
create or replace function api.set_overage_price(
  p_plan text, p_feature text, p_cents_per_unit numeric
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.plans p where p.code = p_plan) then
    raise exception 'unknown plan %', coalesce(p_plan, 'null') using errcode = 'RC003';
  end if;
  if not exists (select from core.features f where f.code = p_feature) then
    raise exception 'unknown feature %', coalesce(p_feature, 'null') using errcode = 'RC002';
  end if;
  if p_cents_per_unit < 0 or pg_catalog.scale(p_cents_per_unit) > 12
     or p_cents_per_unit >= 1000000000000 then
    raise exception 'a price per unit is 0 or more cents with at most 12 decimals, got %',
      p_cents_per_unit
      using errcode = 'RC004', hint = '0.0005 is $5 per million units';
  end if;
  update core.plan_limits l
     set unit_price_cents = p_cents_per_unit
   where l.plan = p_plan and l.feature = p_feature and l.overage = 'bill';
  if not found then
    raise exception 'plan % does not bill % (its overage policy is not bill)', p_plan, p_feature
      using errcode = 'RC005',
            hint = 'set the limit with api.set_plan_limit(plan, feature, included, true, ''bill'')';
  end if;
end
$$;

comment on function api.set_overage_price(text, text, numeric) is
  'Price of billed usage on a plan: cents per unit past the included amount (decimal).';
grant execute on function api.set_overage_price(text, text, numeric) to ratecard_admin;
