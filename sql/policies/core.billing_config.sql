-- core.billing_config: admins read it; changed by the owner (migrations) only.
drop policy if exists admin_read on core.billing_config;
create policy admin_read on core.billing_config
  for select to ratecard_admin
  using (true);
grant select on core.billing_config to ratecard_admin;
