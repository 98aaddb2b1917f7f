-- core.clock: every role reads it (internal.now() runs as the caller inside tenant views);
-- only internal.set_clock() (security definer, admin only) writes it.
drop policy if exists clock_read on core.clock;
create policy clock_read on core.clock
  for select to ratecard_service, ratecard_tenant, ratecard_admin
  using (true);
grant select on core.clock to ratecard_service, ratecard_tenant, ratecard_admin;
