-- Keep core.entitlements in step when the shared catalog changes: features, plans (the
-- default plan, seats), plan limits and add-on grants. Statement-level: one recompute per
-- statement, for every tenant (only rows whose inputs changed are written). Catalog
-- changes are rare administrative acts, so simplicity beats targeting here.
create or replace function internal.tg_catalog__refresh_all()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform internal.refresh_entitlements(array(select t.tenant_id from core.tenants t));
  return null;
end
$$;

comment on function internal.tg_catalog__refresh_all() is
  'Trigger: recompute every tenant''s entitlements after a catalog change.';

create or replace trigger features__refresh_entitlements
  after insert or update or delete on core.features
  for each statement execute function internal.tg_catalog__refresh_all();
create or replace trigger plans__refresh_entitlements
  after insert or update or delete on core.plans
  for each statement execute function internal.tg_catalog__refresh_all();
create or replace trigger plan_limits__refresh_entitlements
  after insert or update or delete on core.plan_limits
  for each statement execute function internal.tg_catalog__refresh_all();
create or replace trigger addon_grants__refresh_entitlements
  after insert or update or delete on core.addon_grants
  for each statement execute function internal.tg_catalog__refresh_all();
