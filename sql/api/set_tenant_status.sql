-- api.set_tenant_status(): suspend a tenant (every feature disabled, data kept) or make it
-- active again, by hand. Billing suspends and restores tenants on its own from Stripe
-- events; this is for administrators (abuse, contract end, manual recovery).
create or replace function api.set_tenant_status(p_tenant_id uuid, p_status text)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_status is null or p_status not in ('active', 'suspended') then
    raise exception 'invalid tenant status %', coalesce(p_status, 'null')
      using errcode = 'RC005', hint = 'active or suspended';
  end if;
  update core.tenants t set status = p_status where t.tenant_id = p_tenant_id;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
end
$$;

comment on function api.set_tenant_status(uuid, text) is
  'Suspend a tenant (all features disabled, data kept) or reactivate it.';
grant execute on function api.set_tenant_status(uuid, text) to ratecard_admin;
