-- core.notification_deliveries: a tenant reads its own deliveries except those to
-- platform-wide endpoints (the administrator's); admins read all. Written only by the
-- security definer functions that plan, claim, record and resend deliveries.
drop policy if exists tenant_read on core.notification_deliveries;
create policy tenant_read on core.notification_deliveries
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()) and not platform);
drop policy if exists admin_read on core.notification_deliveries;
create policy admin_read on core.notification_deliveries
  for select to ratecard_admin
  using (true);
grant select on core.notification_deliveries to ratecard_tenant, ratecard_admin;
