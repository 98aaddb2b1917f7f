-- internal.metered_item_changes(): the subscription item changes that move a subscription's
-- metered items (p_items, core.subscriptions.metered_items) onto another plan's metered
-- prices at an interval, as Stripe's `items` parameter: an item whose feature the new plan
-- also bills changes price in place ({id, price}), an item of a feature it does not bill
-- is deleted ({id, deleted: true}), a feature only the new plan bills is added ({price},
-- no quantity). Items already on the right price are left out.
create or replace function internal.metered_item_changes(
  p_items jsonb, p_plan text, p_interval text
)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with cur as (
    select m->>'feature' as feature, m->>'item_id' as item_id, m->>'price_id' as price_id
      from jsonb_array_elements(coalesce(p_items, '[]')) m
  ),
  new as (
    select x.feature, x.price_id from internal.plan_metered_prices(p_plan, p_interval) x
  )
  select coalesce(jsonb_agg(
           case when c.item_id is null then jsonb_build_object('price', n.price_id)
                when n.price_id is null then jsonb_build_object('id', c.item_id, 'deleted', true)
                else jsonb_build_object('id', c.item_id, 'price', n.price_id) end
           order by coalesce(c.feature, n.feature)), '[]')
    from cur c
    full join new n on n.feature = c.feature
   where c.price_id is distinct from n.price_id
$$;

comment on function internal.metered_item_changes(jsonb, text, text) is
  'Stripe item changes moving metered items onto a plan''s metered prices (swap, delete, add).';
revoke execute on function internal.metered_item_changes(jsonb, text, text) from public;
