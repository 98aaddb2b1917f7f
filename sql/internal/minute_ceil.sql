-- internal.minute_ceil(): the first whole minute at or after p_at. Stripe's meter event
-- summaries take minute-aligned ranges, so a billing period that starts inside a minute is
-- reconciled from its first whole minute, and its reports are stamped inside that range.
create or replace function internal.minute_ceil(p_at timestamptz)
returns timestamptz
language sql
immutable
parallel safe
as $$
  select case when p_at = pg_catalog.date_trunc('minute', p_at at time zone 'UTC') at time zone 'UTC'
              then p_at
              else (pg_catalog.date_trunc('minute', p_at at time zone 'UTC') + interval '1 minute')
                   at time zone 'UTC' end
$$;

comment on function internal.minute_ceil(timestamptz) is
  'First whole minute (UTC) at or after p_at: Stripe summary ranges are minute-aligned.';
grant execute on function internal.minute_ceil(timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
