-- core.tenant_addons: a tenant reads its own rows (tenant_id = ratecard.tenant_id); admins read all.
-- Nobody writes it directly: changes go through security definer functions in api.
drop policy if exists tenant_read on core.tenant_addons;
create policy tenant_read on core.tenant_addons
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.tenant_addons;
create policy admin_read on core.tenant_addons
  for select to ratecard_admin
  using (true);
grant select on core.tenant_addons to ratecard_tenant, ratecard_admin;
