-- api.prepare_addon_purchase(): decide what buying p_quantity of an add-on means for a
-- tenant's Stripe subscription, before the billing route calls Stripe.
--   add     the tenant does not hold it (or holds it by an administrator's grant): add a
--           subscription item with the add-on's price at the subscription's interval;
--   update  it is billed by Stripe at another quantity and not set to end: change that
--           item's quantity;
--   resume  it is billed by Stripe at this quantity but set to end (DELETE
--           /v1/billing/addons/{code}): the end is called off here and now, nothing to ask
--           Stripe (the item was never removed);
--   none    it is billed by Stripe at this quantity and not ending: nothing to do.
-- Grants follow Stripe's subscription event for add and update. Nothing is written unless
-- the answer is resume, so a Stripe call that fails afterwards leaves everything as it was.
-- Errors: RC004 quantity outside 1 to 100000, RC008 unknown or inactive add-on, RC013 no
-- active paid subscription, RC011 no Stripe price at the subscription's interval, RC015
-- when the add-on is set to end and another quantity is asked for (resume it at its
-- quantity first), or when it has ended and Stripe has not yet dropped its item (buy it
-- again once the item is gone).
create or replace function api.prepare_addon_purchase(
  p_tenant_id uuid, p_addon text, p_quantity integer default 1
)
returns table (action text, addon text, quantity integer, stripe_subscription_id text,
               stripe_item_id text, price_id text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  s record;
  v_price text;
  ta core.tenant_addons;
begin
  if p_quantity is null or p_quantity not between 1 and 100000 then
    raise exception 'quantity must be 1 to 100000' using errcode = 'RC004';
  end if;
  if not exists (select from core.addons a where a.code = p_addon and a.active) then
    raise exception 'unknown add-on %', coalesce(p_addon, 'null') using errcode = 'RC008';
  end if;
  select * into s from api.subscription_action(p_tenant_id, 'addon');
  select pp.price_id into v_price
    from api.addon_price(p_addon, (select x.billing_interval from core.subscriptions x
                                    where x.tenant_id = p_tenant_id)) pp;
  select * into ta from core.tenant_addons x
   where x.tenant_id = p_tenant_id and x.addon = p_addon and x.stripe_item_id is not null
     for update;
  if found and ta.status = 'canceled' then
    raise exception 'add-on % has ended and is being removed from the subscription', p_addon
      using errcode = 'RC015', hint = 'buy it again once GET /v1/billing/my-addons no longer lists it';
  end if;
  if found and ta.ends_at is not null and ta.quantity <> p_quantity then
    raise exception 'add-on % is set to end on %', p_addon, ta.ends_at
      using errcode = 'RC015',
            hint = format('buy it at its current quantity (%s) to resume it, then change the quantity',
                          ta.quantity);
  end if;
  if not found then
    return query select 'add', p_addon, p_quantity, s.stripe_subscription_id, null::text, v_price;
  elsif ta.quantity <> p_quantity then
    return query select 'update', p_addon, p_quantity, s.stripe_subscription_id,
                        ta.stripe_item_id, v_price;
  elsif ta.ends_at is not null then
    update core.tenant_addons x set ends_at = null
     where x.tenant_id = p_tenant_id and x.addon = p_addon;
    perform internal.notify(p_tenant_id, 'addon_resumed', jsonb_build_object('addon', p_addon));
    return query select 'resume', p_addon, p_quantity, s.stripe_subscription_id,
                        ta.stripe_item_id, v_price;
  else
    return query select 'none', p_addon, p_quantity, s.stripe_subscription_id,
                        ta.stripe_item_id, v_price;
  end if;
end
$$;

comment on function api.prepare_addon_purchase(uuid, text, integer) is
  'What buying an add-on asks of Stripe: add an item, change its quantity, resume it, or nothing.';
grant execute on function api.prepare_addon_purchase(uuid, text, integer)
  to ratecard_service, ratecard_admin;
