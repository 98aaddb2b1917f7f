-- api.define_addon(): a purchasable extra (e.g. 5 more email addresses, a custom domain).
-- What it grants is set with api.set_addon_grant.
create or replace function api.define_addon(
  p_code text, p_name text, p_price_cents bigint default 0, p_currency text default 'usd',
  p_interval text default 'month'
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform internal.check_code('add-on code', p_code);
  perform internal.check_name('add-on name', p_name);
  if p_price_cents is null or p_price_cents < 0 then
    raise exception 'price must be zero or more cents' using errcode = 'RC004';
  end if;
  if p_currency is null or p_currency !~ '^[a-z]{3}$' or p_interval is null
     or p_interval not in ('month', 'year') then
    raise exception 'invalid currency or interval' using errcode = 'RC005';
  end if;
  insert into core.addons (code, name, price_cents, currency, billing_interval)
  values (p_code, p_name, p_price_cents, p_currency, p_interval)
  on conflict (code) do update
     set name = excluded.name, price_cents = excluded.price_cents,
         currency = excluded.currency, billing_interval = excluded.billing_interval;
end
$$;

comment on function api.define_addon(text, text, bigint, text, text) is
  'Create or update an add-on: code, name, price in cents, currency, interval.';
grant execute on function api.define_addon(text, text, bigint, text, text) to ratecard_admin;
