-- internal.usage_state(): the state shown for a (tenant, feature) right now.
--   disabled   the feature is off for this tenant
--   ok         under 80% (or unlimited; internal.approaching_limit)
--   warning    at or above 80% and not past the limit (bill at exactly 100% too, and soft
--              at 100% while its buffer leaves room)
--   over_limit past the limit but still allowed: soft within buffer and grace, or bill
--   blocked    no further use is allowed (block at its limit, soft at its buffer's end or
--              past its grace)
create or replace function internal.usage_state(
  p_enabled boolean, p_limit bigint, p_used bigint, p_overage text, p_buffer_pct numeric,
  p_over_since timestamptz, p_grace interval, p_now timestamptz
)
returns text
language sql
-- stable, not immutable: timestamptz + interval depends on the TimeZone setting, and
-- PostgreSQL only inlines a function whose body is no more volatile than it says.
stable
parallel safe
as $$
  select case
    when not p_enabled then 'disabled'
    when p_limit is null then 'ok'
    when p_overage = 'block' and p_used >= p_limit then 'blocked'
    when p_overage = 'soft' and p_used >= internal.soft_cap(p_limit, p_buffer_pct) then 'blocked'
    when p_overage = 'soft' and p_used > p_limit and p_over_since is not null
         and p_grace is not null and p_now >= p_over_since + p_grace then 'blocked'
    when p_used > p_limit then 'over_limit'
    when p_limit = 0 then 'ok'                 -- bill with nothing bundled: pay as you go
    when internal.approaching_limit(p_used, p_limit) then 'warning'
    else 'ok'
  end
$$;

comment on function internal.usage_state(boolean, bigint, bigint, text, numeric, timestamptz,
  interval, timestamptz) is 'State of a limit: ok, warning, over_limit, blocked or disabled.';
grant execute on function internal.usage_state(boolean, bigint, bigint, text, numeric,
  timestamptz, interval, timestamptz) to ratecard_tenant, ratecard_service, ratecard_admin;
