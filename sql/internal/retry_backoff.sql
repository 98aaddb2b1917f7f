-- internal.retry_backoff(): how long the retry sweep waits before applying a stored Stripe
-- event again after its n-th unsuccessful attempt: 1, 2, 4, ... minutes, at most 6 hours.
-- A poison event then costs a handful of attempts a day instead of one per sweep, and an
-- event waiting for its customer is still applied at once when Checkout links it.
create or replace function internal.retry_backoff(p_attempts integer)
returns interval
language sql
immutable
parallel safe
as $$
  select least(interval '1 minute' * power(2, least(greatest(p_attempts, 1) - 1, 20)),
               interval '6 hours')
$$;

comment on function internal.retry_backoff(integer) is
  'Wait before the next retry of a Stripe event after n failed attempts (1 min doubling, max 6 h).';
