-- requires: api/stripe_events.sql
-- api.list_stripe_events(): the admin list of stored Stripe events (api.stripe_events),
-- newest received first, filtered by status and bounded. As with api.list_subscriptions,
-- the filter's rules live here: a status an event cannot have, or a limit outside 1 to
-- 1000, is RC005.
create or replace function api.list_stripe_events(
  p_status text default null, p_limit integer default 100
)
returns setof api.stripe_events
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_status is not null and p_status not in
       ('pending', 'applied', 'ignored', 'stale', 'unknown_customer', 'failed', 'dismissed') then
    raise exception 'unknown Stripe event status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005',
            hint = 'one of pending, applied, ignored, stale, unknown_customer, failed, dismissed';
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select e.* from api.stripe_events e
     where p_status is null or e.status = p_status
     order by e.received_at desc
     limit p_limit;
end
$$;

comment on function api.list_stripe_events(text, integer) is
  'Stored Stripe events (api.stripe_events) by status (optional), newest first, at most p_limit (1..1000).';
grant execute on function api.list_stripe_events(text, integer) to ratecard_admin;
