-- core.storage_reconciliation_tenants: a tenant reads its own rows (tenant_id = ratecard.tenant_id); admins read all.
-- Nobody writes it directly: changes go through security definer functions in api.
drop policy if exists tenant_read on core.storage_reconciliation_tenants;
create policy tenant_read on core.storage_reconciliation_tenants
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.storage_reconciliation_tenants;
create policy admin_read on core.storage_reconciliation_tenants
  for select to ratecard_admin
  using (true);
grant select on core.storage_reconciliation_tenants to ratecard_tenant, ratecard_admin;
