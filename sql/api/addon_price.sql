-- api.addon_price(): the Stripe price to sell an add-on at (p_interval month or year).
-- RC008 unknown or inactive add-on; RC011 no Stripe price for that interval.
create or replace function api.addon_price(p_addon text, p_interval text default 'month')
returns table (addon text, price_id text, price_cents bigint, currency text)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  a core.addons;
  v_price text;
begin
  select * into a from core.addons x where x.code = p_addon and x.active;
  if not found then
    raise exception 'unknown add-on %', coalesce(p_addon, 'null') using errcode = 'RC008';
  end if;
  v_price := case when p_interval = 'year' then a.stripe_price_annual_id
                  else a.stripe_price_monthly_id end;
  if v_price is null then
    raise exception 'add-on % has no Stripe % price', p_addon, coalesce(p_interval, 'month')
      using errcode = 'RC011', hint = 'set it with api.set_addon_prices';
  end if;
  return query select a.code, v_price, a.price_cents, a.currency;
end
$$;

comment on function api.addon_price(text, text) is
  'Stripe price id for selling an add-on at an interval.';
grant execute on function api.addon_price(text, text) to ratecard_service, ratecard_admin;
