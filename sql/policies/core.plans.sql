-- core.plans: services and admins read every plan; tenants see public, active plans and
-- the plan they are on. Written only through api.
drop policy if exists catalog_read on core.plans;
create policy catalog_read on core.plans
  for select to ratecard_service, ratecard_admin
  using (true);
drop policy if exists tenant_read on core.plans;
create policy tenant_read on core.plans
  for select to ratecard_tenant
  using ((is_public and active)
         or code in (select e.plan from core.entitlements e
                      where e.tenant_id = (select internal.current_tenant_id())));
grant select on core.plans to ratecard_tenant, ratecard_service, ratecard_admin;
