-- core.plan_limits: readable wherever its plan is (see core.plans). Written only via api.
drop policy if exists catalog_read on core.plan_limits;
create policy catalog_read on core.plan_limits
  for select to ratecard_service, ratecard_admin
  using (true);
drop policy if exists tenant_read on core.plan_limits;
create policy tenant_read on core.plan_limits
  for select to ratecard_tenant
  using (exists (select from core.plans p where p.code = plan));
grant select on core.plan_limits to ratecard_tenant, ratecard_service, ratecard_admin;
