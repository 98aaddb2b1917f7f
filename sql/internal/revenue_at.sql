-- internal.revenue_at(): the monthly amount, in cents, that recurring items and discounts
-- bill at an instant, before the subscription's status is considered (docs/analytics.md):
--   * an item or a discount counts while the instant is before its ends_at;
--   * percent discounts in force add up (at most 100%) and apply to every item, or to the
--     one item they name (item_id); each item's discount is rounded to the cent (half up);
--   * each item is normalised to a month on its own, rounded down:
--     net x per_year / (12 x interval_count), per_year 365 (day), 52 (week), 12, 1 (year);
--   * amounts off in force are added up and subtracted once, normalised (rounded down) by
--     the first (plan) item's interval; the result is never below 0.
create or replace function internal.revenue_at(p_items jsonb, p_discounts jsonb, p_at timestamptz)
returns bigint
language sql
stable
as $$
  with d as (
    select d->>'item_id' as item_id, (d->>'percent_off')::numeric as pct,
           (d->>'amount_off_cents')::bigint as off
      from jsonb_array_elements(coalesce(p_discounts, '[]')) d
     where d->>'ends_at' is null or p_at < (d->>'ends_at')::timestamptz
  ), it as (
    select x.ord, x.i->>'id' as id,
           (x.i->>'unit_amount_cents')::bigint * (x.i->>'quantity')::bigint as amount,
           case x.i->>'interval' when 'day' then 365 when 'week' then 52 when 'year' then 1
                else 12 end as per_year,
           coalesce((x.i->>'interval_count')::integer, 1) as cnt,
           x.i->>'ends_at' is null or p_at < (x.i->>'ends_at')::timestamptz as live
      from jsonb_array_elements(coalesce(p_items, '[]')) with ordinality x(i, ord)
  ), net as (
    select it.per_year, it.cnt,
           it.amount - round(it.amount * least(100, coalesce(
             (select sum(d.pct) from d
               where d.pct is not null and (d.item_id is null or d.item_id = it.id)), 0)) / 100)::bigint
             as net
      from it
     where it.live
  )
  select greatest(0,
           coalesce((select sum(n.net * n.per_year / (12 * n.cnt)) from net n), 0)
           - coalesce((select sum(d.off) from d where d.off is not null), 0)::bigint
             * coalesce((select it.per_year from it where it.ord = 1), 12)
             / (12 * coalesce((select it.cnt from it where it.ord = 1), 1)))::bigint
$$;

comment on function internal.revenue_at(jsonb, jsonb, timestamptz) is
  'Monthly amount in cents that recurring items and discounts bill at an instant.';
