-- internal.period_start_anchored(): the start of the billing period that contains p_at,
-- for the subscription's own periods: p_anchor + k * p_interval ('month' or 'year').
-- internal.period_start (an inlined SQL expression) handles the calendar periods itself and
-- calls this only for billing periods. It also answers every other reset the same way
-- period_start does, so it can be called on its own.
-- All arithmetic is done on UTC wall-clock time, so the answer never depends on the
-- session's TimeZone (which is what lets this be immutable). PL/pgSQL rather than SQL:
-- its expressions are prepared once per session.
create or replace function internal.period_start_anchored(
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

comment on function internal.period_start_anchored(text, timestamptz, text, timestamptz) is
  'Start of the billing period (anchor + k steps) containing p_at; see internal.period_start.';
grant execute on function internal.period_start_anchored(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
