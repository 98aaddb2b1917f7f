-- core.storage_settings: admins read it; no tenant does. Nobody writes it directly: changes go
-- through security definer functions in api (and jobs).
drop policy if exists admin_read on core.storage_settings;
create policy admin_read on core.storage_settings
  for select to ratecard_admin
  using (true);
grant select on core.storage_settings to ratecard_admin;
