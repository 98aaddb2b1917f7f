-- internal.current_tenant_id(): the tenant a ratecard_tenant session is confined to.
-- Read from the transaction-local setting ratecard.tenant_id (set with set_config(..., true)
-- by the HTTP layer); policies call it as (select internal.current_tenant_id()) so it is
-- evaluated once per query. Null (no tenant) matches no row.
create or replace function internal.current_tenant_id()
returns uuid
language sql
stable
parallel safe
as $$
  select nullif(pg_catalog.current_setting('ratecard.tenant_id', true), '')::uuid
$$;

comment on function internal.current_tenant_id() is
  'Tenant of the current transaction (setting ratecard.tenant_id), or null.';
grant execute on function internal.current_tenant_id()
  to ratecard_tenant, ratecard_service, ratecard_admin;
