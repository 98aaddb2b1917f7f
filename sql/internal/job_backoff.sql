-- internal.job_backoff(): how long a queued run waits after its n-th failed attempt:
-- p_base seconds doubling with every attempt, at most p_max, then spread by a random factor
-- between 0.5 and 1.5 (jitter) so that runs that failed together do not retry together.
create or replace function internal.job_backoff(p_attempts integer, p_base integer,
                                                p_max integer)
returns interval
language sql
volatile
parallel safe
as $$
  select pg_catalog.make_interval(secs =>
           least(p_max::float8,
                 p_base * pg_catalog.power(2::float8, least(greatest(p_attempts, 1) - 1, 30)))
           * (0.5 + pg_catalog.random()))
$$;

comment on function internal.job_backoff(integer, integer, integer) is
  'Wait before retrying a run after n failed attempts: base doubling, capped, with jitter.';
revoke execute on function internal.job_backoff(integer, integer, integer) from public;
