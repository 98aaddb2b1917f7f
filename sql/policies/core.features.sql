-- core.features: shared catalog, readable by every Ratecard role; written only through api.
drop policy if exists catalog_read on core.features;
create policy catalog_read on core.features
  for select to ratecard_tenant, ratecard_service, ratecard_admin
  using (true);
grant select on core.features to ratecard_tenant, ratecard_service, ratecard_admin;
