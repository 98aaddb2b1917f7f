-- internal.period_end(): the exclusive end of the period that starts at p_start, which is
-- the start of the next period. Null for gauges, which never reset. For billing periods
-- the next start is counted from the anchor (anchor + (k + 1) steps), not from p_start, so
-- a period anchored on the 31st that was clamped to the 28th still ends on the 31st.
-- Month arithmetic is done on UTC wall-clock time.
drop function if exists internal.period_end(text, timestamptz, text);
create or replace function internal.period_end(
  p_reset text, p_start timestamptz, p_interval text, p_anchor timestamptz default null
)
returns timestamptz
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when p_reset = 'billing_period' and p_anchor is not null then (
      select (a.anchor + pg_catalog.make_interval(months => k.k + a.step)) at time zone 'UTC'
        from (select p_anchor at time zone 'UTC' as anchor, p_start at time zone 'UTC' as st,
                     case when p_interval = 'year' then 12 else 1 end as step) a
        cross join lateral (
          select ((extract(year from a.st) - extract(year from a.anchor)) * 12
                  + extract(month from a.st) - extract(month from a.anchor))::integer as k
        ) k)
    else ((p_start at time zone 'UTC') + case p_reset
            when 'hour' then interval '1 hour'
            when 'day' then interval '1 day'
            when 'month' then interval '1 month'
            when 'billing_period' then
              case when p_interval = 'year' then interval '1 year' else interval '1 month' end
          end) at time zone 'UTC'
  end
$$;

comment on function internal.period_end(text, timestamptz, text, timestamptz) is
  'Exclusive end of the metering period starting at p_start (next start); null for gauges.';
grant execute on function internal.period_end(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
