-- core.acquisition_spend: admins read it (CAC). Written only by api.record_acquisition_spend.
drop policy if exists admin_read on core.acquisition_spend;
create policy admin_read on core.acquisition_spend
  for select to ratecard_admin
  using (true);
grant select on core.acquisition_spend to ratecard_admin;
