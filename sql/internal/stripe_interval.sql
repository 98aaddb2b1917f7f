-- internal.stripe_interval(): the billing interval of a Stripe subscription item (its
-- price's recurring interval, or a legacy Plan's), one of day, week, month or year. MRR
-- normalises each item by it (docs/analytics.md).
create or replace function internal.stripe_interval(p_item jsonb)
returns text
language sql
immutable
as $$
  select case when v in ('day', 'week', 'month', 'year') then v else 'month' end
    from (select case when jsonb_typeof(p_item->'price') = 'object'
                      then p_item->'price'->'recurring'->>'interval'
                      else p_item->'plan'->>'interval' end as v) x
$$;

comment on function internal.stripe_interval(jsonb) is
  'Billing interval (day, week, month, year) of a Stripe subscription item.';
