-- core.addon_grants: shared catalog, readable by every Ratecard role; written only through api.
drop policy if exists catalog_read on core.addon_grants;
create policy catalog_read on core.addon_grants
  for select to ratecard_tenant, ratecard_service, ratecard_admin
  using (true);
grant select on core.addon_grants to ratecard_tenant, ratecard_service, ratecard_admin;
