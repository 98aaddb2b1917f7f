-- internal.usage_state(): the state shown for a (tenant, feature) right now.
--   disabled   the feature is off for this tenant
--   ok         under 80% (or unlimited)
--   warning    at or above 80% and not past the limit (soft and bill at exactly 100% too)
--   over_limit past the limit but still allowed: soft within buffer and grace, or bill
--   blocked    no further use is allowed (block at its limit, soft past buffer or grace)
create or replace function internal.usage_state(
  p_enabled boolean, p_limit bigint, p_used bigint, p_overage text, p_buffer_pct numeric,
  p_over_since timestamptz, p_grace interval, p_now timestamptz
)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when not p_enabled then 'disabled'
    when p_limit is null then 'ok'
    when p_overage = 'block' and p_used >= p_limit then 'blocked'
    when p_used > p_limit then
      case when p_overage = 'bill' then 'over_limit'
           when p_used >= internal.soft_cap(p_limit, p_buffer_pct)
             or (p_over_since is not null and p_grace is not null
                 and p_now >= p_over_since + p_grace) then 'blocked'
           else 'over_limit' end
    when p_used * 100 >= p_limit * 80 then 'warning'
    else 'ok'
  end
$$;

comment on function internal.usage_state(boolean, bigint, bigint, text, numeric, timestamptz,
  interval, timestamptz) is 'State of a limit: ok, warning, over_limit, blocked or disabled.';
grant execute on function internal.usage_state(boolean, bigint, bigint, text, numeric,
  timestamptz, interval, timestamptz) to ratecard_tenant, ratecard_service, ratecard_admin;
