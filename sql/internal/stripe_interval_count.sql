-- internal.stripe_interval_count(): how many intervals a Stripe subscription item bills at
-- once (recurring.interval_count: 3 with month is quarterly), 1 when absent; kept within
-- 1 to 1000 (Stripe allows at most three years).
create or replace function internal.stripe_interval_count(p_item jsonb)
returns integer
language sql
immutable
as $$
  select least(greatest(coalesce(
           case when jsonb_typeof(p_item->'price') = 'object'
                then (p_item->'price'->'recurring'->>'interval_count')::integer
                else (p_item->'plan'->>'interval_count')::integer end, 1), 1), 1000)
$$;

comment on function internal.stripe_interval_count(jsonb) is
  'Interval count of a Stripe subscription item (1 when absent).';
