-- api.set_addon_prices(): map an add-on to its Stripe prices (monthly, annual). A null
-- argument keeps what is set; an empty string clears it.
create or replace function api.set_addon_prices(
  p_addon text, p_monthly text, p_annual text default null
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
  update core.addons a
     set stripe_price_monthly_id = case when p_monthly is null then a.stripe_price_monthly_id
                                        else nullif(p_monthly, '') end,
         stripe_price_annual_id = case when p_annual is null then a.stripe_price_annual_id
                                       else nullif(p_annual, '') end
   where a.code = p_addon;
  if not found then
    raise exception 'unknown add-on %', coalesce(p_addon, 'null') using errcode = 'RC008';
  end if;
end
$$;

comment on function api.set_addon_prices(text, text, text) is
  'Set an add-on''s Stripe price ids (monthly, annual).';
grant execute on function api.set_addon_prices(text, text, text) to ratecard_admin;
