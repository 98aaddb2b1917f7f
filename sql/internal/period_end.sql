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
language plpgsql
immutable
parallel safe
as $$
declare
  v_start timestamp := p_start at time zone 'UTC';
  v_anchor timestamp;
  v_step integer := case when p_interval = 'year' then 12 else 1 end;
begin
  if p_reset = 'billing_period' and p_anchor is not null then
    v_anchor := p_anchor at time zone 'UTC';
    return (v_anchor + pg_catalog.make_interval(months =>
             ((extract(year from v_start) - extract(year from v_anchor)) * 12
              + extract(month from v_start) - extract(month from v_anchor))::integer + v_step))
           at time zone 'UTC';
  end if;
  return (v_start + case p_reset
            when 'hour' then interval '1 hour'
            when 'day' then interval '1 day'
            when 'month' then interval '1 month'
            when 'billing_period' then pg_catalog.make_interval(months => v_step)
          end) at time zone 'UTC';
end
$$;

comment on function internal.period_end(text, timestamptz, text, timestamptz) is
  'Exclusive end of the metering period starting at p_start (next start); null for gauges.';
grant execute on function internal.period_end(text, timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
