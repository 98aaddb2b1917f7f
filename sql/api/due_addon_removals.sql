-- api.due_addon_removals(): Stripe subscription items of add-ons that have ended (cancelled
-- by the tenant and due, or revoked by an administrator) and that Stripe still bills. The
-- worker deletes each item in Stripe without proration; the subscription event that
-- follows drops the row. Until then the item is listed again and the delete repeated (a
-- missing item counts as removed).
create or replace function api.due_addon_removals(p_limit integer default 100)
returns table (tenant_id uuid, addon text, stripe_item_id text, stripe_subscription_id text)
language sql
stable
security definer
set search_path = ''
as $$
  select ta.tenant_id, ta.addon, ta.stripe_item_id, s.stripe_subscription_id
    from core.tenant_addons ta
    left join core.subscriptions s on s.tenant_id = ta.tenant_id
   where ta.status = 'canceled' and ta.stripe_item_id is not null
   order by ta.ends_at nulls first, ta.tenant_id, ta.addon
   limit greatest(p_limit, 0)
$$;

comment on function api.due_addon_removals(integer) is
  'Ended add-ons whose Stripe subscription item is still to be removed.';
grant execute on function api.due_addon_removals(integer) to ratecard_service, ratecard_admin;
