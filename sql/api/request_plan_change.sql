-- api.request_plan_change(): decide how a tenant moves to another plan
-- (internal.plan_change, which the billing page also uses to label its plan cards).
--
--   upgrade   the new plan's catalogue MRR at the same seats is higher, or it is equal and
--             the move is from monthly to yearly billing (a bigger commitment, taken at
--             once): returns the Stripe change to make now, with proration
--             (create_prorations); limits change when Stripe's subscription event arrives.
--   downgrade anything else (lower MRR, equal MRR, yearly to monthly): nothing changes
--             now. The change is scheduled for the end of the current period
--             (scheduled_plan, scheduled_interval, scheduled_at) and an outbox row is
--             written; api.due_plan_changes lists it when due, and limits change only when
--             Stripe's subscription is on the new plan and interval. Usage above the new
--             limits is kept: gauges show over_limit.
-- metered_items: the changes to the subscription's metered items (billed usage) that go
-- with the plan item's (internal.metered_item_changes).
-- Errors: RC001 unknown tenant, RC003 unknown plan, RC011 no Stripe price, RC013 no active
-- paid subscription (use checkout), RC022 already on that plan.
create or replace function api.request_plan_change(
  p_tenant_id uuid, p_plan text, p_interval text default null
)
returns table (action text, stripe_subscription_id text, stripe_item_id text, price_id text,
               seats integer, proration_behavior text, effective_at timestamptz,
               metered_items jsonb)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  s core.subscriptions;
  v_interval text;
  v_price text;
begin
  select * into s from core.subscriptions x where x.tenant_id = p_tenant_id for update;
  if not found or s.stripe_subscription_id is null
     or s.status not in ('trialing', 'active', 'past_due') then
    if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
      perform internal.raise_not_entitled(p_tenant_id, null);
    end if;
    raise exception 'no active subscription to change'
      using errcode = 'RC013', hint = 'start one with POST /v1/billing/checkout';
  end if;
  v_interval := coalesce(p_interval, s.billing_interval);
  select pp.price_id into v_price from api.plan_price(p_plan, v_interval) pp;
  if p_plan = s.plan and v_interval = s.billing_interval then
    raise exception 'already on plan % at interval %', p_plan, v_interval
      using errcode = 'RC022', hint = 'nothing to change';
  end if;
  if internal.plan_change(s.plan, s.billing_interval, s.seats, p_plan, v_interval) = 'upgrade'
  then
    update core.subscriptions x
       set scheduled_plan = null, scheduled_at = null, scheduled_interval = null
     where x.tenant_id = p_tenant_id;
    return query select 'upgrade', s.stripe_subscription_id, s.stripe_item_id, v_price,
                        s.seats, 'create_prorations', internal.now(),
                        internal.metered_item_changes(s.metered_items, p_plan, v_interval);
    return;
  end if;
  update core.subscriptions x
     set scheduled_plan = p_plan, scheduled_interval = v_interval,
         scheduled_at = coalesce(s.current_period_end, internal.now()),
         updated_at = internal.now()
   where x.tenant_id = p_tenant_id;
  perform internal.notify(p_tenant_id, 'downgrade_scheduled',
    jsonb_build_object('from', s.plan, 'to', p_plan, 'interval', v_interval,
                       'at', s.current_period_end));
  return query select 'downgrade', s.stripe_subscription_id, s.stripe_item_id, v_price,
                      s.seats, 'none', coalesce(s.current_period_end, internal.now()),
                      internal.metered_item_changes(s.metered_items, p_plan, v_interval);
end
$$;

comment on function api.request_plan_change(uuid, text, text) is
  'Upgrade now (prorated) or schedule a downgrade for the period end; returns what to tell Stripe.';
grant execute on function api.request_plan_change(uuid, text, text)
  to ratecard_service, ratecard_admin;
