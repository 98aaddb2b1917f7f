-- core.addons: shared catalog, readable by every Ratecard role; written only through api.
drop policy if exists catalog_read on core.addons;
create policy catalog_read on core.addons
  for select to ratecard_tenant, ratecard_service, ratecard_admin
  using (true);
grant select on core.addons to ratecard_tenant, ratecard_service, ratecard_admin;
