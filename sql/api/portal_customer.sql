-- api.portal_customer(): the Stripe customer whose Billing Portal a tenant may open. A
-- tenant that never went through Checkout (or was never linked) has none yet.
-- Errors: RC001 unknown tenant, RC017 no Stripe customer.
create or replace function api.portal_customer(p_tenant_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_customer text;
begin
  select t.stripe_customer_id into v_customer from core.tenants t where t.tenant_id = p_tenant_id;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if v_customer is null then
    raise exception 'the tenant has no Stripe customer yet'
      using errcode = 'RC017', hint = 'subscribe first with POST /v1/billing/checkout';
  end if;
  return v_customer;
end
$$;

comment on function api.portal_customer(uuid) is
  'The tenant''s Stripe customer for the Billing Portal; RC017 when there is none.';
grant execute on function api.portal_customer(uuid) to ratecard_service, ratecard_admin;
