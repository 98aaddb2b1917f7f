-- internal.period_start(): the start of the metering period that contains p_at.
--
-- A period is part of every meter's key, so a new period starts at zero with no job.
--   hour, day, month: calendar periods in UTC;
--   billing_period:   the subscription's own periods, p_anchor + k * p_interval
--                     ('month' or 'year'); calendar month when there is no anchor;
--   null (gauges):    '-infinity', one period for ever.
-- All arithmetic is done on UTC wall-clock time, so the answer never depends on the
-- session's TimeZone (which is what lets this be immutable). PL/pgSQL rather than SQL:
-- its expressions are prepared once per session, which on the check_quota path is far
-- cheaper than a SQL function that cannot be inlined.
create or replace function internal.period_start(
  p_reset text, p_anchor timestamptz, p_interval text, p_at timestamptz
)
returns timestamptz
language plpgsql
immutable
parallel safe
as $$
declare
  v_at timestamp;
  v_anchor timestamp;
  v_step integer;
  v_k integer;
begin
  if p_reset is null then
    return '-infinity'::timestamptz;
  end if;
  v_at := p_at at time zone 'UTC';
  if p_reset in ('hour', 'day', 'month') then
    return pg_catalog.date_trunc(p_reset, v_at) at time zone 'UTC';
  end if;
  if p_anchor is null then
    return pg_catalog.date_trunc('month', v_at) at time zone 'UTC';
  end if;
  -- k = whole steps (1 or 12 months) from anchor to p_at; one step less when adding k
  -- months overshoots because of the day of month or the time of day.
  v_anchor := p_anchor at time zone 'UTC';
  v_step := case when p_interval = 'year' then 12 else 1 end;
  v_k := v_step * pg_catalog.floor(
           ((extract(year from v_at) - extract(year from v_anchor)) * 12
            + extract(month from v_at) - extract(month from v_anchor)) / v_step)::integer;
  if v_anchor + pg_catalog.make_interval(months => v_k) > v_at then
    v_k := v_k - v_step;
  end if;
  return (v_anchor + pg_catalog.make_interval(months => v_k)) at time zone 'UTC';
end
$$;

comment on function internal.period_start(text, timestamptz, text, timestamptz) is
  'Start of the metering period containing p_at (see file header for the rules).';
grant execute on function internal.period_start(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
