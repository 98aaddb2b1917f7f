-- core.subscription_history: a tenant reads its own rows; admins read all. Written only by the Stripe
-- event procedures (security definer).
drop policy if exists tenant_read on core.subscription_history;
create policy tenant_read on core.subscription_history
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.subscription_history;
create policy admin_read on core.subscription_history
  for select to ratecard_admin
  using (true);
grant select on core.subscription_history to ratecard_tenant, ratecard_admin;
