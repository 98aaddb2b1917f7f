-- internal.period_start(): the start of the metering period that contains p_at.
--
-- A period is part of every meter's key, so a new period starts at zero with no job.
--   hour, day, month: calendar periods in UTC;
--   billing_period:   the subscription's own periods, p_anchor + k * p_interval
--                     ('month' or 'year'); calendar month when there is no anchor;
--   null (gauges):    '-infinity', one period for ever.
-- A plain SQL expression so that PostgreSQL inlines it into check_quota's and consume's one
-- statement: the calendar periods (every hot counter) cost a date_trunc, and only billing
-- periods call the PL/pgSQL internal.period_start_anchored. All arithmetic is on UTC
-- wall-clock time, so the answer never depends on the session's TimeZone (immutable).
create or replace function internal.period_start(
  p_reset text, p_anchor timestamptz, p_interval text, p_at timestamptz
)
returns timestamptz
language sql
immutable
parallel safe
as $$
  select case
    when p_reset is null then '-infinity'::timestamptz
    when p_reset in ('hour', 'day', 'month')
      then pg_catalog.date_trunc(p_reset, p_at at time zone 'UTC') at time zone 'UTC'
    when p_anchor is null
      then pg_catalog.date_trunc('month', p_at at time zone 'UTC') at time zone 'UTC'
    else internal.period_start_anchored(p_anchor, p_interval, p_at)
  end
$$;

comment on function internal.period_start(text, timestamptz, text, timestamptz) is
  'Start of the metering period containing p_at (see file header for the rules).';
grant execute on function internal.period_start(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
