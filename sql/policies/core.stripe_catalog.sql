-- core.stripe_catalog: the Stripe ids of the catalog, shared by all tenants like the plans
-- they price: tenants and admins read it (a tenant's usage estimate reads the terms of
-- the metered price it is billed at). Written only by api.record_stripe_catalog.
drop policy if exists catalog_read on core.stripe_catalog;
create policy catalog_read on core.stripe_catalog
  for select to ratecard_tenant, ratecard_admin
  using (true);
grant select on core.stripe_catalog to ratecard_tenant, ratecard_admin;
