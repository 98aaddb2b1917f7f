-- Keep core.entitlements in step when a tenant's own inputs change: the tenant (status),
-- its subscription (plan, seats, status, period), overrides and add-ons. Row-level: these
-- change one tenant at a time. New tenants and new subscriptions are handled once per
-- statement instead (internal.tg_entitlement_inputs__refresh_inserted), so that
-- api.create_tenants can create thousands in one statement and refresh them together.
create or replace function internal.tg_entitlement_inputs__refresh_tenant()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform internal.refresh_entitlements(array[coalesce(new.tenant_id, old.tenant_id)]);
  return null;
end
$$;

comment on function internal.tg_entitlement_inputs__refresh_tenant() is
  'Trigger: recompute the entitlements of the tenant whose row changed.';

create or replace trigger tenants__refresh_entitlements
  after update of status on core.tenants
  for each row execute function internal.tg_entitlement_inputs__refresh_tenant();
create or replace trigger subscriptions__refresh_entitlements
  after update or delete on core.subscriptions
  for each row execute function internal.tg_entitlement_inputs__refresh_tenant();
create or replace trigger overrides__refresh_entitlements
  after insert or update or delete on core.overrides
  for each row execute function internal.tg_entitlement_inputs__refresh_tenant();
create or replace trigger tenant_addons__refresh_entitlements
  after insert or update or delete on core.tenant_addons
  for each row execute function internal.tg_entitlement_inputs__refresh_tenant();
