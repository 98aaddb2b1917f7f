-- core.invoices: a tenant reads its own rows; admins read all. Written only by the Stripe
-- event procedures (security definer).
drop policy if exists tenant_read on core.invoices;
create policy tenant_read on core.invoices
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.invoices;
create policy admin_read on core.invoices
  for select to ratecard_admin
  using (true);
grant select on core.invoices to ratecard_tenant, ratecard_admin;
