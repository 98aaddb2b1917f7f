-- core.tenants: a tenant reads its own row; admins read all. Written only through api.
drop policy if exists tenant_read on core.tenants;
create policy tenant_read on core.tenants
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.tenants;
create policy admin_read on core.tenants
  for select to ratecard_admin
  using (true);
grant select on core.tenants to ratecard_tenant, ratecard_admin;
