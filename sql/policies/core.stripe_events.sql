-- core.stripe_events: raw Stripe payloads; admins only (through api.stripe_events).
drop policy if exists admin_read on core.stripe_events;
create policy admin_read on core.stripe_events
  for select to ratecard_admin
  using (true);
grant select on core.stripe_events to ratecard_admin;
