-- core.revenue_months: closed months' revenue figures, across tenants: admins read them.
-- Written only by api.close_revenue_months (security definer).
drop policy if exists admin_read on core.revenue_months;
create policy admin_read on core.revenue_months
  for select to ratecard_admin
  using (true);
grant select on core.revenue_months to ratecard_admin;
