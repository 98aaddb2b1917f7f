-- internal.period_end_anchored(): the exclusive end of a billing period that starts at
-- p_start and is anchored at p_anchor: anchor + (k + 1) steps, counted from the anchor and
-- not from p_start, so a period anchored on the 31st that was clamped to the 28th still
-- ends on the 31st. internal.period_end (inlined SQL) calls it for anchored billing
-- periods only. Month arithmetic is done on UTC wall-clock time.
create or replace function internal.period_end_anchored(
  p_start timestamptz, p_interval text, p_anchor timestamptz
)
returns timestamptz
language plpgsql
immutable
parallel safe
as $$
declare
  v_start timestamp := p_start at time zone 'UTC';
  v_anchor timestamp := p_anchor at time zone 'UTC';
  v_step integer := case when p_interval = 'year' then 12 else 1 end;
begin
  return (v_anchor + pg_catalog.make_interval(months =>
           ((extract(year from v_start) - extract(year from v_anchor)) * 12
            + extract(month from v_start) - extract(month from v_anchor))::integer + v_step))
         at time zone 'UTC';
end
$$;

comment on function internal.period_end_anchored(timestamptz, text, timestamptz) is
  'Exclusive end of the anchored billing period starting at p_start (see internal.period_end).';
grant execute on function internal.period_end_anchored(timestamptz, text, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
