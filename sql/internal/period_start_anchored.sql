-- internal.period_start_anchored(): the start of the billing period that contains p_at,
-- for the subscription's own periods: p_anchor + k * p_interval ('month' or 'year').
-- internal.period_start (an inlined SQL expression) decides which periods are anchored and
-- calls this only for those; every other reset is its own (once, there).
-- All arithmetic is done on UTC wall-clock time, so the answer never depends on the
-- session's TimeZone (which is what lets this be immutable). PL/pgSQL rather than SQL:
-- its expressions are prepared once per session.
drop function if exists internal.period_start_anchored(text, timestamptz, text, timestamptz);
create or replace function internal.period_start_anchored(
  p_anchor timestamptz, p_interval text, p_at timestamptz
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
  v_at := p_at at time zone 'UTC';
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

comment on function internal.period_start_anchored(timestamptz, text, timestamptz) is
  'Start of the billing period (anchor + k steps) containing p_at; see internal.period_start.';
grant execute on function internal.period_start_anchored(timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
