-- core.storage_tombstones: admins read it; no tenant does. Nobody writes it directly: changes go
-- through security definer functions in api (and jobs).
drop policy if exists admin_read on core.storage_tombstones;
create policy admin_read on core.storage_tombstones
  for select to ratecard_admin
  using (true);
grant select on core.storage_tombstones to ratecard_admin;
