-- core.capacity_snapshots: admins read them. Written only by api.capture_capacity_snapshot.
drop policy if exists admin_read on core.capacity_snapshots;
create policy admin_read on core.capacity_snapshots
  for select to ratecard_admin
  using (true);
grant select on core.capacity_snapshots to ratecard_admin;
