-- api.define_plan(): create a plan (tier) or update it. Prices are integer minor units
-- (cents) with an ISO currency. p_is_default marks the free plan that tenants without a
-- paid subscription fall back to (at most one; setting it moves the mark). p_active false
-- retires a plan: nobody can buy it any more (api.plan_price), tenants on it keep it (a plan
-- with tenants cannot be deleted: api.delete_plan). p_annual_price_cents is the yearly
-- price the billing page shows for a monthly plan sold yearly (display only). On an
-- existing plan, a null p_is_default, p_is_public, p_trial_days, p_active or
-- p_annual_price_cents leaves that attribute unchanged.
create or replace function api.define_plan(
  p_code text,
  p_name text,
  p_price_cents bigint,
  p_currency text default 'usd',
  p_interval text default 'month',
  p_per_seat boolean default false,
  p_is_default boolean default null,
  p_is_public boolean default null,
  p_trial_days integer default null,
  p_active boolean default null,
  p_annual_price_cents bigint default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.check_code('plan code', p_code);
  perform internal.check_name('plan name', p_name);
  if p_price_cents is null or p_price_cents < 0 then
    raise exception 'price must be zero or more cents, got %', p_price_cents
      using errcode = 'RC004', hint = 'prices are integer minor units, e.g. 4900 for $49';
  end if;
  if p_annual_price_cents < 0 then
    raise exception 'annual price must be zero or more cents, got %', p_annual_price_cents
      using errcode = 'RC004';
  end if;
  if p_currency is null or p_currency !~ '^[a-z]{3}$' then
    raise exception 'invalid currency %', coalesce(p_currency, 'null')
      using errcode = 'RC005', hint = 'a lower-case ISO 4217 code such as usd';
  end if;
  if p_interval is null or p_interval not in ('month', 'year') then
    raise exception 'invalid interval %', coalesce(p_interval, 'null')
      using errcode = 'RC005', hint = 'month or year';
  end if;
  if p_trial_days is not null and p_trial_days not between 0 and 365 then
    raise exception 'trial days must be 0 to 365' using errcode = 'RC005';
  end if;
  if p_is_default then
    update core.plans set is_default = false where is_default and code <> p_code;
  end if;
  insert into core.plans (code, name, price_cents, currency, billing_interval, per_seat,
                          is_default, is_public, trial_days, active, annual_price_cents)
  values (p_code, p_name, p_price_cents, p_currency, p_interval, coalesce(p_per_seat, false),
          coalesce(p_is_default, false), coalesce(p_is_public, true), p_trial_days,
          coalesce(p_active, true), p_annual_price_cents)
  on conflict (code) do update
     set name = excluded.name, price_cents = excluded.price_cents,
         currency = excluded.currency, billing_interval = excluded.billing_interval,
         per_seat = excluded.per_seat,
         -- null means "leave as it is", so redefining a plan never drops its default mark
         is_default = coalesce(p_is_default, core.plans.is_default),
         is_public = coalesce(p_is_public, core.plans.is_public),
         trial_days = coalesce(p_trial_days, core.plans.trial_days),
         active = coalesce(p_active, core.plans.active),
         annual_price_cents = coalesce(p_annual_price_cents, core.plans.annual_price_cents);
end
$$;

comment on function api.define_plan(text, text, bigint, text, text, boolean, boolean, boolean, integer, boolean, bigint) is
  'Create or update a plan: code, name, price in cents, currency, interval month|year, per-seat pricing, default (free) plan, public, trial days, active (false: retired), annual price shown.';
grant execute on function api.define_plan(text, text, bigint, text, text, boolean, boolean, boolean, integer, boolean, bigint)
  to ratecard_admin;
