-- api.record_stripe_catalog(): remember what `ratecard stripe sync-catalog` found or made
-- in Stripe. p_items is a JSON array of objects, each {object, key, stripe_id} and for
-- prices plan or addon or feature, interval, currency, unit_amount_cents or included and
-- unit_amount_decimal, terms (the rows of api.stripe_catalog_spec with their Stripe ids).
--
-- Each becomes the active row of core.stripe_catalog for its (object, key); the row it
-- replaces stays as retired (a subscription still on a retired price is still that
-- plan's). The ids are stored where the rest of Ratecard reads them: a plan's product and
-- monthly and annual prices (as api.set_plan_prices would; a different id set there by
-- hand is kept as retired), an add-on's price, a billed feature's meter and product.
-- Returns how many items were recorded. RC005 for an item that is not one of these.
create or replace function api.record_stripe_catalog(p_items jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  i jsonb;
  v_old text;
  v_count integer := 0;
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'catalog items must be a JSON array' using errcode = 'RC005';
  end if;
  for i in select x from jsonb_array_elements(p_items) x loop
    if jsonb_typeof(i) <> 'object' or i->>'object' not in ('product', 'price', 'meter')
       or coalesce(i->>'key', '') = '' or coalesce(i->>'stripe_id', '') = ''
       or (i->>'interval') not in ('month', 'year') then
      raise exception 'not a catalog item: %', left(i::text, 200) using errcode = 'RC005';
    end if;
    -- a price set by hand (api.set_plan_prices) that this one replaces stays recognised
    v_old := case
      when i->>'object' = 'price' and i->>'plan' is not null and i->>'feature' is null then
        (select case when i->>'interval' = 'year' then p.stripe_price_annual_id
                     else p.stripe_price_monthly_id end
           from core.plans p where p.code = i->>'plan')
      when i->>'object' = 'price' and i->>'addon' is not null then
        (select case when i->>'interval' = 'year' then a.stripe_price_annual_id
                     else a.stripe_price_monthly_id end
           from core.addons a where a.code = i->>'addon')
    end;
    if v_old is not null and v_old <> i->>'stripe_id' then
      insert into core.stripe_catalog (stripe_id, object, key, plan, addon, billing_interval, active,
                                       created_at, retired_at)
      values (v_old, 'price', i->>'key', i->>'plan', i->>'addon', i->>'interval', false,
              v_now, v_now)
      on conflict (stripe_id) do nothing;
    end if;
    update core.stripe_catalog c
       set active = false, retired_at = v_now
     where c.object = i->>'object' and c.key = i->>'key' and c.active
       and c.stripe_id <> i->>'stripe_id';
    insert into core.stripe_catalog as c
      (stripe_id, object, key, plan, addon, feature, billing_interval, currency, unit_amount_cents,
       included, unit_amount_decimal, terms, active, created_at)
    values (i->>'stripe_id', i->>'object', i->>'key', i->>'plan', i->>'addon', i->>'feature',
            i->>'interval', i->>'currency', (i->>'unit_amount_cents')::bigint,
            (i->>'included')::bigint, (i->>'unit_amount_decimal')::numeric, i->>'terms', true,
            v_now)
    on conflict (stripe_id) do update
       set object = excluded.object, key = excluded.key, plan = excluded.plan,
           addon = excluded.addon, feature = excluded.feature,
           billing_interval = excluded.billing_interval,
           currency = excluded.currency, unit_amount_cents = excluded.unit_amount_cents,
           included = excluded.included, unit_amount_decimal = excluded.unit_amount_decimal,
           terms = excluded.terms, active = true, retired_at = null;

    -- Only a changed id is written: an update of the catalog tables recomputes every
    -- tenant's entitlements (statement triggers), which a second sync must not cost.
    if i->>'object' = 'product' and i->>'plan' is not null then
      if exists (select from core.plans p where p.code = i->>'plan'
                    and p.stripe_product_id is distinct from i->>'stripe_id') then
        update core.plans p set stripe_product_id = i->>'stripe_id' where p.code = i->>'plan';
      end if;
    elsif i->>'object' = 'product' and i->>'feature' is not null then
      if exists (select from core.features f where f.code = i->>'feature'
                    and f.stripe_product_id is distinct from i->>'stripe_id') then
        update core.features f set stripe_product_id = i->>'stripe_id'
         where f.code = i->>'feature';
      end if;
    elsif i->>'object' = 'meter' then
      if exists (select from core.features f where f.code = i->>'feature'
                    and (f.stripe_meter_id, f.stripe_meter_event_name)
                        is distinct from (i->>'stripe_id', internal.meter_event_name(f.code))) then
        update core.features f
           set stripe_meter_id = i->>'stripe_id',
               stripe_meter_event_name = internal.meter_event_name(f.code)
         where f.code = i->>'feature';
      end if;
    elsif i->>'object' = 'price' and i->>'plan' is not null and i->>'feature' is null then
      if v_old is distinct from i->>'stripe_id' then
        update core.plans p
           set stripe_price_monthly_id = case when i->>'interval' = 'month' then i->>'stripe_id'
                                              else p.stripe_price_monthly_id end,
               stripe_price_annual_id = case when i->>'interval' = 'year' then i->>'stripe_id'
                                             else p.stripe_price_annual_id end
         where p.code = i->>'plan';
      end if;
    elsif i->>'object' = 'price' and i->>'addon' is not null then
      if v_old is distinct from i->>'stripe_id' then
        update core.addons a
           set stripe_price_monthly_id = case when i->>'interval' = 'month' then i->>'stripe_id'
                                              else a.stripe_price_monthly_id end,
               stripe_price_annual_id = case when i->>'interval' = 'year' then i->>'stripe_id'
                                             else a.stripe_price_annual_id end
         where a.code = i->>'addon';
      end if;
    end if;
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function api.record_stripe_catalog(jsonb) is
  'Record the Stripe ids of catalog objects (sync-catalog): active rows, retired prices, plan/add-on/meter ids.';
grant execute on function api.record_stripe_catalog(jsonb) to ratecard_admin;
