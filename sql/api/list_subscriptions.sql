-- requires: api/subscription.sql
-- api.list_subscriptions(): the admin list of subscriptions (api.subscription), filtered by
-- status and bounded, ordered by tenant. The filter's rules live here, so an SQL caller and
-- GET /v1/admin/subscriptions get the same answers and the same errors: a status that is
-- not one core.subscriptions can hold, or a limit outside 1 to 1000, is RC005.
create or replace function api.list_subscriptions(
  p_status text default null, p_limit integer default 100
)
returns setof api.subscription
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_status is not null and p_status not in
       ('trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete') then
    raise exception 'unknown subscription status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005',
            hint = 'one of trialing, active, past_due, unpaid, canceled, incomplete';
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select s.* from api.subscription s
     where p_status is null or s.status = p_status
     order by s.tenant_id
     limit p_limit;
end
$$;

comment on function api.list_subscriptions(text, integer) is
  'Subscriptions (api.subscription) by status (optional), at most p_limit (1..1000), by tenant.';
grant execute on function api.list_subscriptions(text, integer) to ratecard_admin;
