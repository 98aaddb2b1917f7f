-- api.plan_price(): the Stripe price to sell p_plan at (p_interval month or year), with the
-- trial length and whether it is priced per seat. RC003 (HTTP tier_not_found) for an unknown,
-- inactive or default plan; RC011 (stripe_price_not_configured) when the plan has no
-- Stripe price for that interval. Trial days: the plan's own trial_days, else
-- p_default_trial_days (the deployment's RATECARD_DEFAULT_TRIAL_DAYS, when set), else
-- core.billing_config.default_trial_days; 0 means no trial.
create or replace function api.plan_price(
  p_plan text, p_interval text default 'month', p_default_trial_days integer default null
)
returns table (plan text, price_id text, trial_days integer, per_seat boolean,
               price_cents bigint, currency text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  p core.plans;
  v_price text;
begin
  select * into p from core.plans x where x.code = p_plan and x.active and not x.is_default;
  if not found then
    raise exception 'unknown plan %', coalesce(p_plan, 'null')
      using errcode = 'RC003', hint = 'see GET /v1/billing/plans';
  end if;
  if p_interval not in ('month', 'year') then
    raise exception 'interval must be month or year' using errcode = 'RC005';
  end if;
  v_price := case when p_interval = 'year' then p.stripe_price_annual_id
                  else p.stripe_price_monthly_id end;
  if v_price is null then
    raise exception 'plan % has no Stripe % price', p_plan, p_interval
      using errcode = 'RC011', hint = 'set it with api.set_plan_prices';
  end if;
  return query select p.code, v_price,
    coalesce(p.trial_days, p_default_trial_days,
             (select c.default_trial_days from core.billing_config c)),
    p.per_seat, p.price_cents, p.currency;
end
$$;

comment on function api.plan_price(text, text, integer) is
  'Stripe price id, trial days and per-seat flag for selling a plan at an interval.';
grant execute on function api.plan_price(text, text, integer) to ratecard_service, ratecard_admin;
