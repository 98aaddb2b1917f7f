-- internal.notification_retry_delay(): how long a delivery waits after its n-th failed
-- attempt, on the Standard Webhooks schedule: the first attempt at once, then 5 seconds,
-- 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and 10 hours (8 attempts in all),
-- each spread by ±10% (jitter) so that deliveries that failed together do not return
-- together. Null after the last (the 8th) attempt.
create or replace function internal.notification_retry_delay(p_attempt integer)
returns interval
language sql
volatile
parallel safe
as $$
  select pg_catalog.make_interval(secs => s.secs * (0.9 + 0.2 * pg_catalog.random()))
    from (select (array[5, 300, 1800, 7200, 18000, 36000, 36000])[p_attempt]::float8 as secs) s
   where s.secs is not null
$$;

comment on function internal.notification_retry_delay(integer) is
  'Wait after the n-th failed delivery attempt (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; ±10%).';
revoke execute on function internal.notification_retry_delay(integer) from public;
