-- internal.period_end(): the exclusive end of the period that starts at p_start, which is
-- the start of the next period. Null for gauges, which never reset. Billing periods with
-- an anchor are counted from the anchor (internal.period_end_anchored). A plain SQL
-- expression so that PostgreSQL inlines it into consume's statements; month arithmetic is
-- done on UTC wall-clock time.
drop function if exists internal.period_end(text, timestamptz, text);
create or replace function internal.period_end(
  p_reset text, p_start timestamptz, p_interval text, p_anchor timestamptz default null
)
returns timestamptz
language sql
immutable
parallel safe
as $$
  select case
    when p_reset = 'billing_period' and p_anchor is not null
      then internal.period_end_anchored(p_start, p_interval, p_anchor)
    else ((p_start at time zone 'UTC') + case p_reset
            when 'hour' then interval '1 hour'
            when 'day' then interval '1 day'
            when 'month' then interval '1 month'
            when 'billing_period'
              then case when p_interval = 'year' then interval '1 year' else interval '1 month' end
          end) at time zone 'UTC'
  end
$$;

comment on function internal.period_end(text, timestamptz, text, timestamptz) is
  'Exclusive end of the metering period starting at p_start (next start); null for gauges.';
grant execute on function internal.period_end(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
