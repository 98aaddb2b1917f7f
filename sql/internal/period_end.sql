-- internal.period_end(): the exclusive end of the period that starts at p_start.
-- Null for gauges, which never reset. Month arithmetic on UTC wall-clock time.
create or replace function internal.period_end(
  p_reset text, p_start timestamptz, p_interval text
)
returns timestamptz
language sql
immutable
parallel safe
set search_path = ''
as $$
  select ((p_start at time zone 'UTC') + case p_reset
            when 'hour' then interval '1 hour'
            when 'day' then interval '1 day'
            when 'month' then interval '1 month'
            when 'billing_period' then
              case when p_interval = 'year' then interval '1 year' else interval '1 month' end
          end) at time zone 'UTC'
$$;

comment on function internal.period_end(text, timestamptz, text) is
  'Exclusive end of the metering period starting at p_start; null for gauges.';
grant execute on function internal.period_end(text, timestamptz, text)
  to ratecard_tenant, ratecard_service, ratecard_admin;
