-- api.retry_stripe_events(): the retry sweep. Applies stored events that are pending,
-- failed, or waiting for their customer and whose next attempt is due (failures back off:
-- internal.retry_backoff), oldest first (at most p_limit). Returns how many were applied
-- now. An event that can never apply is dismissed by an administrator
-- (api.dismiss_stripe_event). Safe to run at any time and concurrently (rows are locked, skipped
-- when another sweep holds them).
create or replace function api.retry_stripe_events(p_limit integer default 100)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id text;
  v_done integer := 0;
begin
  for v_id in
    select e.event_id from core.stripe_events e
     where e.status in ('pending', 'failed', 'unknown_customer')
       and coalesce(e.next_attempt_at, e.received_at) <= internal.now()
     order by e.created_at, e.event_id
     limit greatest(p_limit, 0)
       for update skip locked
  loop
    if internal.apply_stripe_event(v_id, false) in ('applied', 'ignored', 'stale') then
      v_done := v_done + 1;
    end if;
  end loop;
  return v_done;
end
$$;

comment on function api.retry_stripe_events(integer) is
  'Apply stored Stripe events that are pending, failed or waiting for their customer.';
grant execute on function api.retry_stripe_events(integer) to ratecard_service, ratecard_admin;
