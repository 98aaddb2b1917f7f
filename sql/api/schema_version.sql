-- api.schema_version(): the newest migration applied to this database.
-- /readyz compares it with the newest migration file the running code ships.
create or replace function api.schema_version()
returns text
language sql
stable
security definer
set search_path = ''
as $$
  select m.migration_id
    from ratecard_meta._yoyo_migration m
   order by m.migration_id desc
   limit 1
$$;

comment on function api.schema_version() is
  'Id of the newest applied migration, e.g. 0001.clock; /readyz checks it.';
grant execute on function api.schema_version()
  to ratecard_authenticator, ratecard_service, ratecard_tenant, ratecard_admin;
