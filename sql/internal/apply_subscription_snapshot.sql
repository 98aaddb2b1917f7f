-- internal.apply_subscription_snapshot(): store what a Stripe subscription object says
-- (customer.subscription.created / updated / deleted), if it is newer than the snapshot
-- already stored, then re-derive the tenant's billing state. Newer: a later event time
-- (p_at), or the same second and a later step in a subscription's life (p_rank: created 0,
-- updated 1, deleted 2). Two updates of the same second cannot be told apart: the one
-- applied last wins.
--
-- The plan is the item whose price is a plan's monthly or annual Stripe price (an item
-- of a legacy Plan carries `plan` instead of `price`; both are read); its quantity is the
-- seat count and its period the current period. Items whose price belongs
-- to an add-on set the tenant's Stripe-bought add-ons. Also kept: the unit amount Stripe
-- bills for the plan item and its interval, the add-on items' unit amounts, the
-- subscription's currency, Stripe's cancel_at, and the discounts whose coupon the payload
-- carries (an expanded `discounts` entry or the older `discount` object; Stripe sends bare
-- discount ids otherwise, which say nothing about the amount) for MRR; whether the subscription has a payment method (a trial
-- without one lapses to the free plan, api.expire_trials), and the link between the tenant
-- and the subscription's customer (internal.link_stripe_customer), so invoice events that
-- carry only the customer id find their tenant even when no Checkout came first.
-- A price sync-catalog retired (core.stripe_catalog) still names its plan or add-on, and
-- metered items (billed usage) are kept apart in metered_items.
-- Stripe's `paused` (a trial ended without a payment method, end behaviour pause) is kept
-- as canceled: the tenant falls back to the free plan, it is not suspended.
-- Returns the event's outcome: applied or stale (errors make the event failed).
create or replace function internal.apply_subscription_snapshot(
  p_tenant_id uuid, p_at timestamptz, p_sub jsonb, p_rank smallint default 0
)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_item jsonb;
  v_plan text;
  v_interval text;
  v_seats integer;
  v_status text;
  v_prev timestamptz;
  v_prev_rank smallint;
  v_start timestamptz;
  v_end timestamptz;
  v_old_plan text;
  v_old_status text;
  v_from text;
  v_currency text := lower(p_sub->>'currency');
  v_discounts jsonb;
  v_metered jsonb;
  r record;
begin
  -- the customer link holds whatever the snapshot's age or status
  perform internal.link_stripe_customer(p_tenant_id, p_sub->>'customer');
  select x.stripe_event_at, x.stripe_event_rank, x.plan, x.status
    into v_prev, v_prev_rank, v_old_plan, v_old_status
    from core.subscriptions x
   where x.tenant_id = p_tenant_id for update;
  if (v_prev, v_prev_rank) > (p_at, p_rank) then
    return 'stale';
  end if;

  select i, p.code into v_item, v_plan
    from jsonb_array_elements(coalesce(p_sub->'items'->'data', '[]')) i
    join core.plans p
      on coalesce(i->'price'->>'id', i->'plan'->>'id')
         in (p.stripe_price_monthly_id, p.stripe_price_annual_id)
         or exists (select from core.stripe_catalog c
                     where c.stripe_id = coalesce(i->'price'->>'id', i->'plan'->>'id')
                       and c.object = 'price' and c.plan = p.code and c.feature is null)
   limit 1;
  if v_plan is null then
    raise exception 'no plan has the Stripe price of subscription %', p_sub->>'id'
      using errcode = 'RC011',
            hint = 'set the plan''s Stripe price ids with api.set_plan_prices, then retry';
  end if;
  v_interval := case when coalesce(v_item->'price'->'recurring'->>'interval',
                                   v_item->'plan'->>'interval') = 'year' then 'year'
                     else 'month' end;
  v_seats := greatest(coalesce((v_item->>'quantity')::integer, 1), 1);
  v_status := case p_sub->>'status'
                when 'incomplete_expired' then 'canceled'
                when 'paused' then 'canceled'
                else p_sub->>'status' end;
  if v_status not in ('trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete') then
    raise exception 'unknown subscription status %', p_sub->>'status' using errcode = 'RC021';
  end if;
  v_start := to_timestamp(coalesce(v_item->>'current_period_start',
                                   p_sub->>'current_period_start', p_sub->>'start_date')::double precision);
  v_end := to_timestamp(coalesce(v_item->>'current_period_end',
                                 p_sub->>'current_period_end')::double precision);
  -- Recurring discounts (forever, repeating) whose coupon is in the payload; a coupon that
  -- applies once is a one-off reduction of one invoice, not recurring revenue. An amount
  -- off in another currency than the subscription's does not apply.
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', x.d->>'id', 'coupon', x.c->>'id',
           'percent_off', (x.c->>'percent_off')::numeric,
           'amount_off_cents', (x.c->>'amount_off')::bigint,
           'item_id', x.d->>'subscription_item',
           'ends_at', to_timestamp((x.d->>'end')::double precision))
         order by x.d->>'id'), '[]')
    into v_discounts
    from (select d, coalesce(case when jsonb_typeof(d->'source'->'coupon') = 'object'
                                  then d->'source'->'coupon' end,
                             case when jsonb_typeof(d->'coupon') = 'object'
                                  then d->'coupon' end) as c
            from (select d from jsonb_array_elements(
                                  case when jsonb_typeof(p_sub->'discounts') = 'array'
                                       then p_sub->'discounts' else '[]' end) d
                  union all
                  select p_sub->'discount' where jsonb_typeof(p_sub->'discount') = 'object') y
           where jsonb_typeof(d) = 'object') x
   where x.c is not null
     and x.c->>'duration' in ('forever', 'repeating')
     and (x.c->>'percent_off' is not null
          or (x.c->>'amount_off' is not null
              and lower(x.c->>'currency') is not distinct from coalesce(v_currency, lower(x.c->>'currency'))));

  -- Metered items (billed usage): their price is a metered price of the catalog, or is
  -- tied to a feature's Billing Meter. Kept to swap them on a plan change and to estimate
  -- the charge at the price Stripe bills this subscription.
  select coalesce(jsonb_agg(jsonb_build_object('feature', m.feature, 'item_id', m.item_id,
                                               'price_id', m.price_id)
                            order by m.feature, m.item_id), '[]')
    into v_metered
    from (select coalesce(
                   (select c.feature from core.stripe_catalog c
                     where c.stripe_id = i->'price'->>'id' and c.object = 'price'
                       and c.feature is not null),
                   (select f.code from core.features f
                     where f.stripe_meter_id = i->'price'->'recurring'->>'meter')) as feature,
                 i->>'id' as item_id, i->'price'->>'id' as price_id
            from jsonb_array_elements(coalesce(p_sub->'items'->'data', '[]')) i) m
   where m.feature is not null;

  insert into core.subscriptions as x
    (tenant_id, plan, status, seats, billing_interval, current_period_start,
     current_period_end, trial_end, cancel_at_period_end, stripe_subscription_id,
     stripe_item_id, stripe_status, stripe_event_at, stripe_event_rank, cancel_reason,
     canceled_at, updated_at, unit_amount_cents, has_payment_method, currency, cancel_at,
     unit_interval, unit_interval_count, discounts, metered_items)
  values (p_tenant_id, v_plan, v_status, v_seats, v_interval, coalesce(v_start, p_at), v_end,
          to_timestamp((p_sub->>'trial_end')::double precision),
          coalesce((p_sub->>'cancel_at_period_end')::boolean, false), p_sub->>'id',
          v_item->>'id', v_status, p_at, p_rank,
          coalesce(p_sub->'cancellation_details'->>'reason',
                   case when p_sub->>'status' = 'paused' then 'paused' end),
          to_timestamp((p_sub->>'canceled_at')::double precision), internal.now(),
          coalesce(v_item->'price'->>'unit_amount', v_item->'plan'->>'amount')::bigint,
          coalesce(p_sub->>'default_payment_method', p_sub->>'default_source') is not null,
          v_currency, to_timestamp((p_sub->>'cancel_at')::double precision),
          internal.stripe_interval(v_item), internal.stripe_interval_count(v_item), v_discounts,
          v_metered)
  on conflict (tenant_id) do update set
    plan = excluded.plan, seats = excluded.seats,
    billing_interval = excluded.billing_interval,
    current_period_start = excluded.current_period_start,
    current_period_end = excluded.current_period_end, trial_end = excluded.trial_end,
    cancel_at_period_end = excluded.cancel_at_period_end,
    stripe_subscription_id = excluded.stripe_subscription_id,
    stripe_item_id = excluded.stripe_item_id, stripe_status = excluded.stripe_status,
    stripe_event_at = excluded.stripe_event_at,
    stripe_event_rank = excluded.stripe_event_rank, cancel_reason = excluded.cancel_reason,
    canceled_at = excluded.canceled_at, updated_at = excluded.updated_at,
    unit_amount_cents = excluded.unit_amount_cents,
    has_payment_method = excluded.has_payment_method,
    currency = excluded.currency, cancel_at = excluded.cancel_at,
    unit_interval = excluded.unit_interval, unit_interval_count = excluded.unit_interval_count,
    discounts = excluded.discounts, metered_items = excluded.metered_items,
    -- a scheduled change is done once Stripe's subscription is on that plan and interval
    scheduled_plan = case when (x.scheduled_plan, coalesce(x.scheduled_interval, excluded.billing_interval))
                                = (excluded.plan, excluded.billing_interval)
                          then null else x.scheduled_plan end,
    scheduled_at = case when (x.scheduled_plan, coalesce(x.scheduled_interval, excluded.billing_interval))
                              = (excluded.plan, excluded.billing_interval)
                        then null else x.scheduled_at end,
    scheduled_interval = case when (x.scheduled_plan, coalesce(x.scheduled_interval, excluded.billing_interval))
                                    = (excluded.plan, excluded.billing_interval)
                              then null else x.scheduled_interval end;


  -- Add-ons bought through Stripe are exactly the add-on items of the newest snapshot of a
  -- live subscription: rows for items that have left (or for a cancelled subscription)
  -- are removed, so the result never depends on the order events arrived in. Add-ons
  -- granted by hand (no Stripe item) are left alone, and so is a cancellation the tenant
  -- scheduled (ends_at, then status canceled) while Stripe still bills the same item.
  delete from core.tenant_addons ta
   where ta.tenant_id = p_tenant_id and ta.stripe_item_id is not null
     and (v_status in ('canceled', 'incomplete')
          or ta.stripe_item_id not in (
            select i->>'id' from jsonb_array_elements(coalesce(p_sub->'items'->'data', '[]')) i));
  insert into core.tenant_addons as ta (tenant_id, addon, quantity, status, stripe_item_id,
                                        ends_at, created_at, unit_amount_cents, unit_interval,
                                        unit_interval_count)
  select p_tenant_id, a.code, greatest(coalesce((i->>'quantity')::integer, 1), 1), 'active',
         i->>'id', null, internal.now(),
         coalesce(i->'price'->>'unit_amount', i->'plan'->>'amount')::bigint,
         internal.stripe_interval(i), internal.stripe_interval_count(i)
    from jsonb_array_elements(coalesce(p_sub->'items'->'data', '[]')) i
    join core.addons a
      on coalesce(i->'price'->>'id', i->'plan'->>'id')
         in (a.stripe_price_monthly_id, a.stripe_price_annual_id)
         or exists (select from core.stripe_catalog c
                     where c.stripe_id = coalesce(i->'price'->>'id', i->'plan'->>'id')
                       and c.object = 'price' and c.addon = a.code)
   where v_status not in ('canceled', 'incomplete')
  on conflict (tenant_id, addon) do update
     set quantity = excluded.quantity,
         unit_amount_cents = excluded.unit_amount_cents,
         unit_interval = excluded.unit_interval,
         unit_interval_count = excluded.unit_interval_count,
         status = case when ta.stripe_item_id = excluded.stripe_item_id then ta.status
                       else 'active' end,
         ends_at = case when ta.stripe_item_id = excluded.stripe_item_id then ta.ends_at end,
         stripe_item_id = excluded.stripe_item_id;

  perform internal.sync_billing_state(p_tenant_id);

  -- The tenant is told when the plan in force changes: an upgrade confirmed, a downgrade
  -- applied (plan_changed, once per plan and snapshot time). Before a live subscription,
  -- the plan in force was the default plan.
  if v_status in ('trialing', 'active', 'past_due') then
    v_from := case when v_old_status in ('trialing', 'active', 'past_due') then v_old_plan
                   else (select p.code from core.plans p where p.is_default) end;
    if v_from is distinct from v_plan then
      perform internal.notify(p_tenant_id, 'plan_changed',
        jsonb_build_object('from', v_from, 'to', v_plan, 'interval', v_interval)
          || internal.plan_change_summary(v_from, v_plan),
        v_plan || '@' || p_at::text);
    end if;
  end if;

  -- A plan change never deletes anything: gauges above the new limits show over_limit and
  -- the tenant is told, once per feature and change.
  if v_old_plan is distinct from v_plan then
    for r in select * from internal.entitlement_rows(p_tenant_id, null) x
              where x.kind = 'gauge' and x."limit" is not null and x.used > x."limit" loop
      perform internal.notify(p_tenant_id, 'over_limit_after_plan_change',
        jsonb_build_object('feature', r.feature, 'used', r.used, 'limit', r."limit",
                           'plan', v_plan),
        r.feature || '@' || p_at::text);
    end loop;
  end if;
  return 'applied';
end
$$;

comment on function internal.apply_subscription_snapshot(uuid, timestamptz, jsonb, smallint) is
  'Store a Stripe subscription object if newer than the stored one; derive billing state.';
