-- Keep core.entitlements in step when tenants or subscriptions are created: once per
-- statement, for every tenant the statement inserted (a transition table), so creating
-- many tenants in one statement (api.create_tenants) derives their entitlements in one
-- set-based refresh rather than one per row. Requires the row-level triggers' file, which
-- defines the other triggers on the same tables.
-- requires: internal/tg_entitlement_inputs__refresh_tenant.sql
create or replace function internal.tg_entitlement_inputs__refresh_inserted()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform internal.refresh_entitlements(array(select distinct n.tenant_id from new_rows n));
  return null;
end
$$;

comment on function internal.tg_entitlement_inputs__refresh_inserted() is
  'Trigger (per statement): recompute the entitlements of every tenant the statement inserted.';

create or replace trigger tenants__refresh_inserted
  after insert on core.tenants
  referencing new table as new_rows
  for each statement execute function internal.tg_entitlement_inputs__refresh_inserted();
create or replace trigger subscriptions__refresh_inserted
  after insert on core.subscriptions
  referencing new table as new_rows
  for each statement execute function internal.tg_entitlement_inputs__refresh_inserted();
