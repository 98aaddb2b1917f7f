-- internal.meter_level(): how a usage meter is shown on the billing and admin pages.
--   off        the feature is disabled for the tenant
--   on         a switch that is on
--   unlimited  enabled without a limit
--   critical   at or above 90% of the limit, or past it (over_limit, blocked): red
--   high       at or above 70%: amber
--   ok         below 70%: green
-- The upgrade banner is a different rule: internal.approaching_limit (80%).
create or replace function internal.meter_level(
  p_kind text, p_enabled boolean, p_limit bigint, p_percent numeric, p_state text
)
returns text
language sql
immutable
parallel safe
as $$
  select case
    when not coalesce(p_enabled, false) then 'off'
    when p_kind = 'switch' then 'on'
    when p_limit is null then 'unlimited'
    when p_state in ('over_limit', 'blocked') or p_percent >= 90 then 'critical'
    when p_percent >= 70 then 'high'
    else 'ok'
  end
$$;

comment on function internal.meter_level(text, boolean, bigint, numeric, text) is
  'off, on, unlimited, ok (< 70%), high (>= 70%), critical (>= 90% or past the limit).';
grant execute on function internal.meter_level(text, boolean, bigint, numeric, text)
  to ratecard_tenant, ratecard_service, ratecard_admin;
