-- api.billing_page(): everything the tenant billing page (GET /billing, docs/pages.md)
-- shows, as one JSON document, so the page is one SQL call and no rule lives in a template:
--
--   tenant        name, e-mail, status, whether a Stripe customer exists (the portal)
--   subscription  api.subscription's row (null without one) with live (a Stripe
--                 subscription trialing, active or past due: plan changes, seats, add-ons
--                 and cancel apply to it), the next billing date (none when it ends) and
--                 the scheduled plan's name
--   plan          the subscribed plan (the default plan without a subscription)
--   interval      the interval the plan cards are priced at (p_interval, else the
--                 subscription's, else month)
--   usage         internal.usage_rows: meters with their colour level and grace countdown
--   upgrade       the upgrade banner, or null: the quota (a limit, not a switch) at or above
--                 80% (internal.approaching_limit) with the highest percentage, and the
--                 cheapest plan on sale whose limit for it is higher (null if none). A
--                 billed feature (overage policy bill) raises none: use past its bundle is
--                 charged, not refused, and its meter shows the estimate instead
--   plans         plan cards: the public, active plans and the tenant's own, each with the
--                 price at the interval (a monthly plan's yearly price is
--                 annual_price_cents, else 12 x its price), its limits, and the action its
--                 button takes: current, checkout (no live subscription), upgrade or
--                 downgrade (internal.plan_change, as api.request_plan_change decides),
--                 scheduled (the downgrade already planned), cancel (the default plan,
--                 reached by cancelling), unavailable (no Stripe price at that interval);
--                 a billed limit carries its unit_price_cents (cents per unit past it)
--   invoices      the 24 newest (api.invoices)
--   addons        add-ons on sale or held, with grants, what the tenant holds and whether
--                 it can buy one now (a live subscription and a Stripe price at its interval)
--   storage       bytes and objects per storage category (api.storage_usage)
--
-- Errors: RC001 unknown tenant, RC005 an interval other than month or year.
create or replace function api.billing_page(p_tenant_id uuid, p_interval text default null)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  t core.tenants;
  s core.subscriptions;
  v_has_sub boolean;
  v_live boolean;
  v_interval text;
  v_plan core.plans;
  v_seats integer;
  v_usage jsonb;
  v_upgrade jsonb;
begin
  select * into t from core.tenants x where x.tenant_id = p_tenant_id;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if p_interval is not null and p_interval not in ('month', 'year') then
    raise exception 'interval must be month or year' using errcode = 'RC005';
  end if;
  select * into s from core.subscriptions x where x.tenant_id = p_tenant_id;
  v_has_sub := found;
  v_live := v_has_sub and s.stripe_subscription_id is not null
            and s.status in ('trialing', 'active', 'past_due');
  v_interval := coalesce(p_interval, s.billing_interval, 'month');
  v_seats := coalesce(s.seats, 1);
  select * into v_plan from core.plans p
   where p.code = coalesce(s.plan, (select d.code from core.plans d where d.is_default));
  v_usage := internal.usage_rows(p_tenant_id);

  -- The banner: the fullest quota at or above 80%, and the cheapest plan on sale that
  -- gives more of it (at the tenant's seats).
  select jsonb_build_object(
           'feature', u->>'feature', 'name', u->>'name', 'unit', u->>'unit',
           'percent', (u->>'percent')::numeric, 'used', (u->>'used')::bigint,
           'limit', (u->>'limit')::bigint, 'plan', up.code, 'plan_name', up.name)
    into v_upgrade
    from jsonb_array_elements(v_usage) u
    left join lateral (
      select p.code, p.name
        from core.plans p
        join core.plan_limits l on l.plan = p.code and l.feature = u->>'feature'
       where p.active and p.is_public and not p.is_default and p.code <> v_plan.code
         and l.enabled
         and (l.limit_value is null
              or l.limit_value * case when l.per_seat then v_seats else 1 end
                 > (u->>'limit')::bigint)
       order by internal.subscription_mrr(p.code, v_seats, p.billing_interval, 'active'),
                p.sort_order, p.code
       limit 1) up on true
   where (u->>'is_approaching_limit')::boolean and u->>'kind' <> 'switch'
     and jsonb_typeof(u->'billed') is distinct from 'object'
   order by (u->>'percent')::numeric desc, u->>'feature'
   limit 1;

  return jsonb_build_object(
    'tenant', jsonb_build_object(
      'tenant_id', t.tenant_id, 'name', t.name, 'email', t.email, 'status', t.status,
      'billing_account', t.stripe_customer_id is not null),
    'subscription', case when v_has_sub then (
      select to_jsonb(x) - 'tenant_id'
             || jsonb_build_object(
                  'live', v_live,
                  'per_seat', v_plan.per_seat,
                  'next_billing_date',
                    case when v_live and not x.cancel_at_period_end
                              and x.status <> 'trialing' then x.current_period_end
                         when v_live and not x.cancel_at_period_end then x.trial_end end,
                  'scheduled_plan_name',
                    (select p.name from core.plans p where p.code = x.scheduled_plan))
        from api.subscription x where x.tenant_id = p_tenant_id) end,
    'plan', jsonb_build_object(
      'code', v_plan.code, 'name', v_plan.name, 'price_cents', v_plan.price_cents,
      'currency', v_plan.currency, 'billing_interval', v_plan.billing_interval,
      'per_seat', v_plan.per_seat, 'is_default', v_plan.is_default),
    'interval', v_interval,
    'usage', v_usage,
    'upgrade', v_upgrade,
    'plans', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'code', c.code, 'name', c.name, 'currency', c.currency,
               'per_seat', c.per_seat, 'trial_days', c.trial_days,
               'is_default', c.is_default, 'is_current', c.code = v_plan.code,
               'is_suggested', c.code = v_upgrade->>'plan',
               'price_cents', c.price_cents_at, 'price_interval', c.price_interval,
               'per_month_cents', case when c.price_interval = 'year'
                                       then c.price_cents_at / 12 end,
               'action', c.action,
               'limits', c.limits)
             order by c.sort_order, c.price_cents, c.code), '[]'::jsonb)
        from (
          select p.*, pr.price_cents_at, pr.price_interval,
                 case
                   when p.is_default then
                     case when v_live then 'cancel'
                          when p.code = v_plan.code then 'current' else 'none' end
                   when v_live and s.scheduled_plan = p.code
                        and coalesce(s.scheduled_interval, s.billing_interval) = v_interval
                     then 'scheduled'
                   when v_live and internal.plan_change(s.plan, s.billing_interval, v_seats,
                                                        p.code, v_interval) = 'same'
                     then 'current'
                   when not v_live and p.code = v_plan.code then 'current'
                   when not p.active or pr.price_id is null then 'unavailable'
                   when not v_live then 'checkout'
                   else internal.plan_change(s.plan, s.billing_interval, v_seats, p.code,
                                             v_interval)
                 end as action,
                 (select coalesce(jsonb_agg(jsonb_build_object(
                           'feature', l.feature, 'name', f.name, 'kind', f.kind,
                           'unit', f.unit, 'reset', f.reset, 'limit', l.limit_value,
                           'per_seat', l.per_seat, 'overage', l.overage,
                           'unit_price_cents', case when l.overage = 'bill'
                                                    then l.unit_price_cents end)
                         order by f.category, f.name), '[]'::jsonb)
                    from core.plan_limits l
                    join core.features f on f.code = l.feature
                   where l.plan = p.code and l.enabled) as limits
            from core.plans p
           cross join lateral (
             select case when v_interval = p.billing_interval then p.price_cents
                         when v_interval = 'year' then coalesce(p.annual_price_cents,
                                                                p.price_cents * 12)
                         else p.price_cents end as price_cents_at,
                    case when v_interval = 'year' then 'year'
                         else p.billing_interval end as price_interval,
                    case when v_interval = 'year' then p.stripe_price_annual_id
                         else p.stripe_price_monthly_id end as price_id) pr
           where (p.active and p.is_public) or p.code = v_plan.code) c),
    'invoices', (
      select coalesce(jsonb_agg(to_jsonb(i) - 'tenant_id' order by i.created_at desc nulls last,
                                i.invoice_id), '[]'::jsonb)
        from (select * from api.invoices x where x.tenant_id = p_tenant_id
               order by x.created_at desc nulls last, x.invoice_id limit 24) i),
    'addons', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'code', a.code, 'name', a.name, 'price_cents', a.price_cents,
               'currency', a.currency, 'billing_interval', a.billing_interval,
               'grants', (select coalesce(jsonb_agg(jsonb_build_object(
                                   'feature', g.feature, 'name', f.name, 'unit', f.unit,
                                   'quantity', g.quantity) order by f.name), '[]'::jsonb)
                            from core.addon_grants g join core.features f on f.code = g.feature
                           where g.addon = a.code),
               'held', (select jsonb_build_object(
                                 'quantity', ta.quantity, 'status', ta.status,
                                 'ends_at', ta.ends_at,
                                 'billed_by_stripe', ta.stripe_item_id is not null)
                          from core.tenant_addons ta
                         where ta.tenant_id = p_tenant_id and ta.addon = a.code),
               'purchasable', a.active and v_live
                              and case when s.billing_interval = 'year'
                                       then a.stripe_price_annual_id
                                       else a.stripe_price_monthly_id end is not null)
             order by a.name, a.code), '[]'::jsonb)
        from core.addons a
       where a.active or exists (select from core.tenant_addons ta
                                  where ta.tenant_id = p_tenant_id and ta.addon = a.code)),
    'storage', (
      select coalesce(jsonb_agg(to_jsonb(x) order by x.category), '[]'::jsonb)
        from api.storage_usage(p_tenant_id) x)
  );
end
$$;

comment on function api.billing_page(uuid, text) is
  'The billing page as one JSON document: tenant, subscription, plan, usage, upgrade banner, plan cards, invoices, add-ons, storage.';
grant execute on function api.billing_page(uuid, text) to ratecard_service, ratecard_admin;
