-- internal.apply_checkout_completed(): a Checkout Session finished. Links the tenant
-- (client_reference_id / metadata.tenant_id) to its Stripe customer, then re-applies any
-- event of that customer that arrived before the link and was flagged unknown_customer.
-- The subscription itself comes from its own customer.subscription.* events.
create or replace function internal.apply_checkout_completed(p_tenant_id uuid, p_session jsonb)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_customer text := p_session->>'customer';
  v_event text;
begin
  if v_customer is not null then
    update core.tenants t set stripe_customer_id = v_customer
     where t.tenant_id = p_tenant_id and t.stripe_customer_id is distinct from v_customer
       and not exists (select from core.tenants o where o.stripe_customer_id = v_customer);
    for v_event in
      select e.event_id from core.stripe_events e
       where e.status = 'unknown_customer'
         and e.payload->'data'->'object'->>'customer' = v_customer
       order by e.created_at
    loop
      perform internal.apply_stripe_event(v_event);
    end loop;
  end if;
  return 'applied';
end
$$;

comment on function internal.apply_checkout_completed(uuid, jsonb) is
  'Link a tenant to its Stripe customer after checkout; replay that customer''s waiting events.';
