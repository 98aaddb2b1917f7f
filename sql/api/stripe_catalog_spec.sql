-- api.stripe_catalog_spec: what Ratecard's catalog should be in Stripe, one row per Stripe
-- object, in the order to create them (products, meters, then prices that refer to them).
-- `ratecard stripe sync-catalog` reads it, finds each object in Stripe (a product by its
-- id, a meter by its event name, a price by its lookup key), creates what is missing,
-- updates what may change (names, metadata) and replaces a price whose terms changed
-- (Stripe prices are immutable), then records the ids with api.record_stripe_catalog.
--
--   product   each plan sold (active, not the default plan), each active add-on, and each
--             billed feature (its metered prices hang on it); key plan:<code>,
--             addon:<code>, feature:<code>; a new product gets the id rc_<kind>_<code>
--   meter     one Billing Meter per billed feature (sum of `value`, the customer by
--             stripe_customer_id), event name ratecard_<feature>; key <feature>
--   price     each plan at each interval it is sold at (licensed, unit amount in cents,
--             per seat when the plan is: the quantity is the seat count), each add-on at
--             its interval, and each `bill` limit of a sold plan at each of the plan's
--             intervals (metered, on the meter): graduated tiers, the included amount
--             (the limit) at 0 then unit_price_cents, or a flat unit price when nothing is
--             included. Key (the price's lookup_key) ratecard:plan:<code>:<interval>,
--             ratecard:addon:<code>:<interval>, ratecard:metered:<plan>:<feature>:<interval>
--
-- `params` are the creation parameters; a reference to another object of the spec is
-- {"ref": "<object>:<key>"}, replaced by its Stripe id. `terms` is what Stripe cannot
-- change on a price (kept in its metadata as ratecard_terms). `problem` says why a billed
-- limit cannot be priced in Stripe (sync-catalog reports it and creates nothing for it).
create or replace view api.stripe_catalog_spec
with (security_invoker = true)
as
  with sold as (
    select p.* from core.plans p where p.active and not p.is_default
  ),
  billed as (
    select l.plan, l.feature, l.limit_value, l.unit_price_cents, l.per_seat, p.currency,
           p.billing_interval, p.price_cents, p.annual_price_cents, f.name, f.kind, f.reset,
           f.durable,
           case
             when f.kind <> 'metered' or not f.durable
               then 'only durable metered features can be billed through a meter'
             when f.reset <> 'billing_period'
               then 'a billed feature must reset per billing_period, so its period is Stripe''s'
             when l.limit_value is null
               then 'a billed limit needs the included amount (0 for pay as you go), not unlimited'
             when l.per_seat
               then 'a per-seat included amount cannot be a Stripe tier'
             when l.unit_price_cents is null
               then 'no price per unit: api.set_overage_price(plan, feature, cents)'
           end as problem
      from core.plan_limits l
      join sold p on p.code = l.plan
      join core.features f on f.code = l.feature
     where l.overage = 'bill' and l.enabled
  ),
  features as (
    select distinct b.feature, b.name from billed b where b.problem is null
  ),
  spec as (
    select 1 as ord, 'product' as object, 'plan:' || p.code as key, p.name,
           p.stripe_product_id as known_id, 'rc_plan_' || p.code as new_id,
           p.code as plan, null::text as addon, null::text as feature, null::text as billing_interval,
           null::text as currency, null::bigint as unit_amount_cents, null::bigint as included,
           null::numeric as unit_amount_decimal, null::text as terms, null::text as problem,
           jsonb_build_object('name', p.name,
                              'metadata', jsonb_build_object('ratecard_key', 'plan:' || p.code))
             as params
      from sold p
    union all
    select 1, 'product', 'addon:' || a.code, a.name, null, 'rc_addon_' || a.code,
           null, a.code, null, null, null, null, null, null, null, null,
           jsonb_build_object('name', a.name,
                              'metadata', jsonb_build_object('ratecard_key', 'addon:' || a.code))
      from core.addons a
     where a.active
    union all
    select 1, 'product', 'feature:' || f.feature, f.name, ff.stripe_product_id,
           'rc_feature_' || f.feature, null, null, f.feature, null, null, null, null, null,
           null, null,
           jsonb_build_object('name', f.name,
                              'metadata', jsonb_build_object('ratecard_key',
                                                             'feature:' || f.feature))
      from features f
      join core.features ff on ff.code = f.feature
    union all
    select 2, 'meter', f.feature, f.name, ff.stripe_meter_id, null, null, null,
           f.feature, null, null, null, null, null, null, null,
           jsonb_build_object(
             'display_name', f.name,
             'event_name', internal.meter_event_name(f.feature),
             'default_aggregation', jsonb_build_object('formula', 'sum'),
             'customer_mapping', jsonb_build_object('type', 'by_id',
                                                    'event_payload_key', 'stripe_customer_id'),
             'value_settings', jsonb_build_object('event_payload_key', 'value'))
      from features f
      join core.features ff on ff.code = f.feature
    union all
    select 3, 'price', 'ratecard:plan:' || p.code || ':' || i.billing_interval, p.name,
           case when i.billing_interval = 'year' then p.stripe_price_annual_id
                else p.stripe_price_monthly_id end,
           null, p.code, null, null, i.billing_interval, p.currency, i.price_cents, null, null,
           pg_catalog.concat_ws(':', 'licensed', p.currency, i.billing_interval, i.price_cents,
                                case when p.per_seat then 'per_seat' end),
           null,
           jsonb_build_object(
             'currency', p.currency, 'unit_amount', i.price_cents,
             'recurring', jsonb_build_object('interval', i.billing_interval,
                                             'usage_type', 'licensed'),
             'product', jsonb_build_object('ref', 'product:plan:' || p.code),
             'nickname', p.name || case when i.billing_interval = 'year' then ' (yearly)'
                                        else ' (monthly)' end
                         || case when p.per_seat then ', per seat' else '' end)
      from sold p
     cross join lateral internal.sold_intervals(p.billing_interval, p.price_cents,
                                                p.annual_price_cents) i
    union all
    select 3, 'price', 'ratecard:addon:' || a.code || ':' || a.billing_interval, a.name,
           case when a.billing_interval = 'year' then a.stripe_price_annual_id
                else a.stripe_price_monthly_id end,
           null, null, a.code, null, a.billing_interval, a.currency, a.price_cents, null, null,
           pg_catalog.concat_ws(':', 'licensed', a.currency, a.billing_interval, a.price_cents),
           null,
           jsonb_build_object(
             'currency', a.currency, 'unit_amount', a.price_cents,
             'recurring', jsonb_build_object('interval', a.billing_interval,
                                             'usage_type', 'licensed'),
             'product', jsonb_build_object('ref', 'product:addon:' || a.code),
             'nickname', a.name)
      from core.addons a
     where a.active
    union all
    select 4, 'price', 'ratecard:metered:' || b.plan || ':' || b.feature || ':' || i.billing_interval,
           b.name, null, null, b.plan, null, b.feature, i.billing_interval, b.currency, null,
           b.limit_value, b.unit_price_cents,
           internal.metered_terms(b.feature, b.currency, i.billing_interval, b.limit_value,
                                  b.unit_price_cents),
           b.problem,
           jsonb_build_object(
             'currency', b.currency,
             'recurring', jsonb_build_object(
                            'interval', i.billing_interval, 'usage_type', 'metered',
                            'meter', jsonb_build_object('ref', 'meter:' || b.feature)),
             'product', jsonb_build_object('ref', 'product:feature:' || b.feature),
             'nickname', b.name || ' on ' || b.plan
                         || case when b.limit_value > 0
                                 then ' (' || b.limit_value || ' included)' else '' end)
           || case when b.limit_value > 0 then jsonb_build_object(
                     'billing_scheme', 'tiered', 'tiers_mode', 'graduated',
                     'tiers', jsonb_build_array(
                       jsonb_build_object('up_to', b.limit_value, 'unit_amount_decimal', '0'),
                       jsonb_build_object('up_to', 'inf', 'unit_amount_decimal',
                                          pg_catalog.trim_scale(b.unit_price_cents)::text)))
                   else jsonb_build_object(
                     'billing_scheme', 'per_unit',
                     'unit_amount_decimal',
                     pg_catalog.trim_scale(coalesce(b.unit_price_cents, 0))::text) end
      from billed b
     cross join lateral internal.sold_intervals(b.billing_interval, b.price_cents,
                                                b.annual_price_cents) i
  )
  select s.ord, s.object, s.key, s.name,
         coalesce(c.stripe_id, s.known_id) as stripe_id, s.new_id, s.plan, s.addon,
         s.feature, s.billing_interval, s.currency, s.unit_amount_cents, s.included,
         s.unit_amount_decimal, s.terms, s.problem,
         case when s.object = 'price'
              then s.params || jsonb_build_object('lookup_key', s.key,
                                                  'metadata', jsonb_build_object(
                                                    'ratecard_key', s.key,
                                                    'ratecard_terms', s.terms))
              else s.params end as params
    from spec s
    left join core.stripe_catalog c on c.object = s.object and c.key = s.key and c.active
   order by s.ord, s.key;

comment on view api.stripe_catalog_spec is
  'The Stripe catalog Ratecard wants (products, meters, prices) with known ids and problems.';
grant select on api.stripe_catalog_spec to ratecard_admin;
