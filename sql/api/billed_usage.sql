-- requires: api/entitlements.sql
-- api.billed_usage: for each billed feature (overage policy bill) of the caller's tenant (a
-- tenant its own, through RLS; an admin every tenant), what the current billing period
-- will cost, as the tenant's billing page shows it (GET /v1/billing/usage):
--   included                 units at no charge (the first tier of the metered price)
--   used                     units counted this period (the meter; corrections included)
--   overage_units            used past included
--   unit_price_cents         cents per unit past included (decimal)
--   estimated_overage_cents  overage_units x unit_price_cents, rounded to a whole cent
--   reported_up_to           every billed unit that occurred before this time has reached
--                            Stripe: the oldest unit still on its way (not yet claimed, or
--                            in a report not yet confirmed), else the last confirmed claim;
--                            null before anything was reported
-- The terms are those of the metered price on the tenant's live Stripe subscription
-- (price_source 'subscription': what Stripe will charge, even after the plan's price
-- changed), else the plan's own (price_source 'plan'). Ratecard reports all billed usage
-- to Stripe and the bundle is the price's first tier, so Stripe's invoice line for the
-- period is this estimate.
create or replace view api.billed_usage
with (security_invoker = true)
as
  select e.tenant_id, e.feature, e.plan, e.period_start, e.period_end, t.included, e.used,
         greatest(e.used - t.included, 0) as overage_units, t.unit_price_cents,
         pg_catalog.round(greatest(e.used - t.included, 0) * t.unit_price_cents)::bigint
           as estimated_overage_cents,
         t.currency, t.price_id, t.source as price_source, rep.reported_up_to
    from api.entitlements e
    left join core.subscriptions s
      on s.tenant_id = e.tenant_id and s.status in ('trialing', 'active', 'past_due')
    left join lateral (
      select x.included, x.unit_price_cents, x.currency, x.price_id, x.source
        from (select c.included, c.unit_amount_decimal as unit_price_cents, c.currency,
                     c.stripe_id as price_id, 'subscription' as source, 1 as ord
                from jsonb_array_elements(coalesce(s.metered_items, '[]')) m
                join core.stripe_catalog c
                  on c.stripe_id = m->>'price_id' and c.object = 'price'
               where m->>'feature' = e.feature
              union all
              select l.limit_value, l.unit_price_cents, p.currency, null, 'plan', 2
                from core.plan_limits l
                join core.plans p on p.code = l.plan
               where l.plan = e.plan and l.feature = e.feature and l.overage = 'bill') x
       order by x.ord
       limit 1
    ) t on true
    left join lateral (
      select coalesce(least(
               (select min(u.occurred_at) from core.usage_events u
                 where u.tenant_id = e.tenant_id and u.feature = e.feature and u.billed
                   and u.report_id is null),
               (select min(r.window_start) from core.usage_reports r
                 where r.tenant_id = e.tenant_id and r.feature = e.feature
                   and r.status in ('pending', 'flagged'))),
             (select max(r.claimed_at) from core.usage_reports r
               where r.tenant_id = e.tenant_id and r.feature = e.feature
                 and r.status = 'sent')) as reported_up_to
    ) rep on true
   where e.overage = 'bill' and e.kind = 'metered';

comment on view api.billed_usage is
  'Billed features this period: included, used, overage units, estimated overage cents, reported to Stripe up to.';
grant select on api.billed_usage to ratecard_tenant, ratecard_admin;
