-- core.usage_reports: a tenant reads its own reports (what reached Stripe, for its billing
-- page); admins read all. Written only by the reporting functions (security definer).
drop policy if exists tenant_read on core.usage_reports;
create policy tenant_read on core.usage_reports
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.usage_reports;
create policy admin_read on core.usage_reports
  for select to ratecard_admin
  using (true);
grant select on core.usage_reports to ratecard_tenant, ratecard_admin;
