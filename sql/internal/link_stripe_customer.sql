-- internal.link_stripe_customer(): remember a tenant's Stripe customer id the first time a
-- Stripe object ties them together (a completed Checkout, or a subscription carrying the
-- tenant id in its metadata), then apply every stored event of that customer that arrived
-- before the link and waits as unknown_customer. With p_replace (a completed Checkout, the
-- tenant's own act) a tenant that moves to a new customer is linked to the new one;
-- otherwise (a subscription snapshot, which may arrive in any order) only a tenant without
-- a customer is linked, so the result does not depend on delivery order. A customer id
-- already linked to another tenant is left alone (one customer, one tenant). Returns
-- whether the link is in place.
--
-- Locking: callers hold the tenant row lock. A link already in place returns at once (its
-- events find the tenant by themselves); otherwise the per-customer advisory lock is taken
-- before linking, which events of this customer that found no tenant also take
-- (internal.apply_stripe_event), so an event either sees the link or is parked before the
-- waiting events are looked up here. Waiting events that a retry sweep holds right now are
-- skipped: the sweep applies them.
create or replace function internal.link_stripe_customer(
  p_tenant_id uuid, p_customer text, p_replace boolean default false
)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_event text;
begin
  if p_customer is null then
    return false;
  end if;
  if exists (select from core.tenants t
              where t.tenant_id = p_tenant_id and t.stripe_customer_id = p_customer) then
    return true;
  end if;
  perform pg_advisory_xact_lock(hashtextextended('ratecard.stripe_customer:' || p_customer, 0));
  update core.tenants t set stripe_customer_id = p_customer
   where t.tenant_id = p_tenant_id
     and (t.stripe_customer_id is null
          or (p_replace and t.stripe_customer_id is distinct from p_customer))
     and not exists (select from core.tenants o where o.stripe_customer_id = p_customer);
  for v_event in
    select e.event_id from core.stripe_events e
     where e.status = 'unknown_customer'
       and e.payload->'data'->'object'->>'customer' = p_customer
     order by e.created_at, e.event_id
       for update skip locked
  loop
    perform internal.apply_stripe_event(v_event);
  end loop;
  return exists (select from core.tenants t
                  where t.tenant_id = p_tenant_id and t.stripe_customer_id = p_customer);
end
$$;

comment on function internal.link_stripe_customer(uuid, text, boolean) is
  'Link a tenant to its Stripe customer once; apply that customer''s events that waited for it.';
