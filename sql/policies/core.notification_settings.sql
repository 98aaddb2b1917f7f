-- core.notification_settings: a tenant reads its own preferences; admins read all.
-- Written only by api.set_notification_settings.
drop policy if exists tenant_read on core.notification_settings;
create policy tenant_read on core.notification_settings
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.notification_settings;
create policy admin_read on core.notification_settings
  for select to ratecard_admin
  using (true);
grant select on core.notification_settings to ratecard_tenant, ratecard_admin;
