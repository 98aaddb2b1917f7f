-- core.mrr_points: a tenant reads its own timeline (api.subscription shows the MRR in
-- force); admins read all (analytics). Written only by the history trigger (as the owner).
drop policy if exists tenant_read on core.mrr_points;
create policy tenant_read on core.mrr_points
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.mrr_points;
create policy admin_read on core.mrr_points
  for select to ratecard_admin
  using (true);
grant select on core.mrr_points to ratecard_tenant, ratecard_admin;
