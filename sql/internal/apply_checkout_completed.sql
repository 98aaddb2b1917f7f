-- internal.apply_checkout_completed(): a Checkout Session finished. Links the tenant
-- (client_reference_id / metadata.tenant_id) to its Stripe customer and applies any event
-- of that customer that arrived before the link (internal.link_stripe_customer).
-- The subscription itself comes from its own customer.subscription.* events.
create or replace function internal.apply_checkout_completed(p_tenant_id uuid, p_session jsonb)
returns text
language plpgsql
volatile
set search_path = ''
as $$
begin
  perform internal.link_stripe_customer(p_tenant_id, p_session->>'customer', true);
  return 'applied';
end
$$;

comment on function internal.apply_checkout_completed(uuid, jsonb) is
  'Link a tenant to its Stripe customer after checkout; replay that customer''s waiting events.';
