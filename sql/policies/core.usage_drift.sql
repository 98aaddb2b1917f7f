-- core.usage_drift: reconciliation findings; admins only (api.usage_drift).
drop policy if exists admin_read on core.usage_drift;
create policy admin_read on core.usage_drift
  for select to ratecard_admin
  using (true);
grant select on core.usage_drift to ratecard_admin;
