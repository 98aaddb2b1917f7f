-- internal.metered_terms(): the terms of a metered Stripe price in one canonical string:
-- meter, currency, interval, included units and cents per unit past them. Stripe cannot
-- change them on a price, so sync-catalog writes them into the price's metadata and makes
-- a new price when they differ.
create or replace function internal.metered_terms(
  p_feature text, p_currency text, p_interval text, p_included bigint, p_unit numeric
)
returns text
language sql
immutable
parallel safe
as $$
  select pg_catalog.concat_ws(':', 'metered', internal.meter_event_name(p_feature), p_currency,
                              p_interval, p_included, pg_catalog.trim_scale(p_unit))
$$;

comment on function internal.metered_terms(text, text, text, bigint, numeric) is
  'Canonical terms of a metered price (meter, currency, interval, included, unit cents).';
grant execute on function internal.metered_terms(text, text, text, bigint, numeric)
  to ratecard_tenant, ratecard_service, ratecard_admin;
