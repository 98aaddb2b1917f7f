-- api.set_tenant_status(): an administrator suspends a tenant (every feature disabled, data
-- kept) or lifts that suspension. Billing suspends and restores tenants on its own from
-- Stripe events (core.tenants.billing_suspended); the two are kept apart, so a Stripe
-- event never lifts a suspension made here, and 'active' here lifts only the
-- administrator's suspension: a tenant that billing suspended stays suspended until it
-- pays. Returns the effective status and both reasons; one outbox row when it changes.
create or replace function api.set_tenant_status(p_tenant_id uuid, p_status text)
returns table (tenant_id uuid, status text, admin_suspended boolean, billing_suspended boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  t core.tenants;
begin
  if p_status is null or p_status not in ('active', 'suspended') then
    raise exception 'invalid tenant status %', coalesce(p_status, 'null')
      using errcode = 'RC005', hint = 'active or suspended';
  end if;
  select * into t from core.tenants x where x.tenant_id = p_tenant_id for update;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if t.admin_suspended is distinct from (p_status = 'suspended') then
    update core.tenants x
       set admin_suspended = (p_status = 'suspended'),
           status = case when p_status = 'suspended' or x.billing_suspended then 'suspended'
                         else 'active' end
     where x.tenant_id = p_tenant_id;
    perform internal.notify(p_tenant_id,
      case when p_status = 'suspended' then 'suspended' else 'restored' end,
      jsonb_build_object('by', 'administrator', 'billing_suspended', t.billing_suspended));
  end if;
  return query select x.tenant_id, x.status, x.admin_suspended, x.billing_suspended
                 from core.tenants x where x.tenant_id = p_tenant_id;
end
$$;

comment on function api.set_tenant_status(uuid, text) is
  'Suspend a tenant by hand (all features disabled, data kept) or lift that suspension.';
grant execute on function api.set_tenant_status(uuid, text) to ratecard_admin;
