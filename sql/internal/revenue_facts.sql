-- internal.revenue_facts(): what a tenant's subscription bills now, as the facts the MRR
-- definition needs (docs/analytics.md): status, currency, the recurring items (unit amount,
-- quantity, interval, when an item stops) and the discounts in force (percent or amount
-- off, when each ends), and when the whole subscription stops counting.
--
-- A Stripe subscription bills what Stripe says: the plan item at Stripe's unit amount
-- (the catalogue price when Stripe gave none) and the add-ons bought through Stripe at
-- theirs. A subscription assigned outside Stripe (api.assign_plan) counts at catalogue
-- prices: the plan's price times seats for a per-seat plan, and the add-ons granted by
-- hand in the plan's currency. Add-ons granted by hand to a Stripe subscription are not
-- billed, so they do not count. A cancellation at the period end (or Stripe's cancel_at)
-- is the end. Timestamps are written in UTC so equal facts compare equal.
create or replace function internal.revenue_facts(p_tenant_id uuid)
returns table (
  plan text, status text, seats integer, billing_interval text, currency text,
  items jsonb, discounts jsonb, ends_at timestamptz
)
language sql
stable
set search_path = ''
set timezone = 'UTC'
as $$
  select s.plan, s.status, s.seats, s.billing_interval, coalesce(s.currency, p.currency),
         (select coalesce(jsonb_agg(x.i order by x.kind desc, x.code), '[]')
            from (select 'plan' as kind, p.code,
                         jsonb_build_object(
                           'kind', 'plan', 'code', p.code, 'id', s.stripe_item_id,
                           'unit_amount_cents', coalesce(s.unit_amount_cents, p.price_cents),
                           'quantity', case when s.unit_amount_cents is not null or p.per_seat
                                            then s.seats else 1 end,
                           'interval', case when s.unit_amount_cents is not null
                                            then coalesce(s.unit_interval, s.billing_interval)
                                            else p.billing_interval end,
                           'interval_count', case when s.unit_amount_cents is not null
                                                  then coalesce(s.unit_interval_count, 1)
                                                  else 1 end,
                           'ends_at', null) as i
                  union all
                  select 'addon', a.code,
                         jsonb_build_object(
                           'kind', 'addon', 'code', a.code, 'id', ta.stripe_item_id,
                           'unit_amount_cents', case when ta.stripe_item_id is not null
                                                     then coalesce(ta.unit_amount_cents, a.price_cents)
                                                     else a.price_cents end,
                           'quantity', ta.quantity,
                           'interval', coalesce(ta.unit_interval, a.billing_interval),
                           'interval_count', coalesce(ta.unit_interval_count, 1),
                           'ends_at', ta.ends_at)
                    from core.tenant_addons ta
                    join core.addons a on a.code = ta.addon
                   where ta.tenant_id = s.tenant_id and ta.status = 'active'
                     and (ta.stripe_item_id is not null) = (s.stripe_subscription_id is not null)
                     and (ta.stripe_item_id is not null
                          or a.currency = coalesce(s.currency, p.currency))) x),
         case when s.stripe_subscription_id is null then '[]'::jsonb
              else (select coalesce(jsonb_agg(d || jsonb_build_object(
                                        'ends_at', (d->>'ends_at')::timestamptz)
                                      order by d->>'id'), '[]')
                      from jsonb_array_elements(s.discounts) d) end,
         coalesce(s.cancel_at, case when s.cancel_at_period_end then s.current_period_end end)
    from core.subscriptions s
    join core.plans p on p.code = s.plan
   where s.tenant_id = p_tenant_id
$$;

comment on function internal.revenue_facts(uuid) is
  'A tenant''s revenue facts now: status, currency, recurring items, discounts, end.';
