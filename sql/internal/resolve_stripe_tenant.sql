-- internal.resolve_stripe_tenant(): which tenant a Stripe object belongs to: the tenant id
-- Ratecard put in its metadata (checkout sets it), else the tenant whose Stripe customer
-- id it carries, else null (the event is flagged unknown_customer and retried later).
create or replace function internal.resolve_stripe_tenant(p_object jsonb)
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
  v_meta text := coalesce(p_object->'metadata'->>'tenant_id',
                          p_object->>'client_reference_id');
  v_tenant uuid;
begin
  if v_meta ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select t.tenant_id into v_tenant from core.tenants t where t.tenant_id = v_meta::uuid;
    if found then
      return v_tenant;
    end if;
  end if;
  select t.tenant_id into v_tenant from core.tenants t
   where t.stripe_customer_id = p_object->>'customer';
  return v_tenant;
end
$$;

comment on function internal.resolve_stripe_tenant(jsonb) is
  'Tenant of a Stripe object: metadata.tenant_id / client_reference_id, else by customer id.';
