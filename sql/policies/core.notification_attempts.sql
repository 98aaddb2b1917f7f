-- core.notification_attempts: admins read every attempt; tenants see the outcome of their
-- deliveries in api.notification_deliveries (attempts, last status code or error).
drop policy if exists admin_read on core.notification_attempts;
create policy admin_read on core.notification_attempts
  for select to ratecard_admin
  using (true);
grant select on core.notification_attempts to ratecard_admin;
