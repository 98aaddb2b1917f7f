-- internal.crosses_threshold(): may usage going up from p_old to p_new have crossed one of
-- the 80/95/100% warnings of p_limit? True when it rose, now stands at 80% or more of a
-- positive limit, and was below 100% before. The cheap test every writer of a meter makes
-- (api.consume, api.record_usage, internal.storage_gauge_add) before it calls
-- internal.emit_thresholds, which decides the exact thresholds and writes each once.
-- Plain SQL, so PostgreSQL inlines it into the caller's expression.
create or replace function internal.crosses_threshold(p_limit bigint, p_old bigint, p_new bigint)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_new > p_old and p_limit > 0 and p_new * 100 >= p_limit * 80
         and p_old * 100 < p_limit * 100
$$;

comment on function internal.crosses_threshold(bigint, bigint, bigint) is
  'True when usage rising from p_old to p_new may have crossed 80, 95 or 100% of p_limit.';
