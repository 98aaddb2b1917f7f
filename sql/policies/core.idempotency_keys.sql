-- core.idempotency_keys: internal bookkeeping of consume and record_usage; admins may
-- inspect it, tenants never see it.
drop policy if exists admin_read on core.idempotency_keys;
create policy admin_read on core.idempotency_keys
  for select to ratecard_admin
  using (true);
grant select on core.idempotency_keys to ratecard_admin;
