-- api.due_plan_changes(): scheduled downgrades whose time has come, with the Stripe change
-- to make (the new plan's price at the interval that was asked for, no proration). The worker makes it; the subscription event that
-- follows changes the plan and clears the schedule. metered_items: the changes to the
-- metered items (billed usage) that go with it (internal.metered_item_changes).
create or replace function api.due_plan_changes(p_limit integer default 100)
returns table (tenant_id uuid, stripe_subscription_id text, stripe_item_id text,
               plan text, price_id text, seats integer, scheduled_at timestamptz,
               metered_items jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  select s.tenant_id, s.stripe_subscription_id, s.stripe_item_id, s.scheduled_plan,
         case when coalesce(s.scheduled_interval, s.billing_interval) = 'year'
              then p.stripe_price_annual_id else p.stripe_price_monthly_id end,
         s.seats, s.scheduled_at,
         internal.metered_item_changes(s.metered_items, s.scheduled_plan,
                                       coalesce(s.scheduled_interval, s.billing_interval))
    from core.subscriptions s
    join core.plans p on p.code = s.scheduled_plan
   where s.scheduled_at <= internal.now()
     and s.status in ('trialing', 'active', 'past_due')
   order by s.scheduled_at
   limit greatest(p_limit, 0)
$$;

comment on function api.due_plan_changes(integer) is
  'Scheduled plan changes that are due, with the Stripe price to switch to.';
grant execute on function api.due_plan_changes(integer) to ratecard_service, ratecard_admin;
