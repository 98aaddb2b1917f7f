-- internal.period_start(): the start of the metering period that contains p_at.
--
-- A period is part of every meter's key, so a new period starts at zero with no job.
--   hour, day, month: calendar periods in UTC;
--   billing_period:   the subscription's own periods, p_anchor + k * p_interval
--                     ('month' or 'year'); calendar month when there is no anchor;
--   null (gauges):    '-infinity', one period for ever.
-- All arithmetic is done on UTC wall-clock time, so the answer never depends on the
-- session's TimeZone (which is what lets this be immutable).
create or replace function internal.period_start(
  p_reset text, p_anchor timestamptz, p_interval text, p_at timestamptz
)
returns timestamptz
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_reset is null then '-infinity'::timestamptz
    when p_reset in ('hour', 'day', 'month')
      then pg_catalog.date_trunc(p_reset, p_at at time zone 'UTC') at time zone 'UTC'
    when p_anchor is null
      then pg_catalog.date_trunc('month', p_at at time zone 'UTC') at time zone 'UTC'
    else (
      -- k = whole steps (1 or 12 months) from anchor to p_at; one step less when adding
      -- k months overshoots because of the day of month or the time of day.
      select (case when a.anchor + pg_catalog.make_interval(months => k.k) > a.at
                   then a.anchor + pg_catalog.make_interval(months => k.k - a.step)
                   else a.anchor + pg_catalog.make_interval(months => k.k) end)
             at time zone 'UTC'
        from (select p_anchor at time zone 'UTC' as anchor, p_at at time zone 'UTC' as at,
                     case when p_interval = 'year' then 12 else 1 end as step) a
        cross join lateral (
          select a.step * pg_catalog.floor(
                   ((extract(year from a.at) - extract(year from a.anchor)) * 12
                    + extract(month from a.at) - extract(month from a.anchor)) / a.step
                 )::integer as k
        ) k
    )
  end
$$;

comment on function internal.period_start(text, timestamptz, text, timestamptz) is
  'Start of the metering period containing p_at (see file header for the rules).';
grant execute on function internal.period_start(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
