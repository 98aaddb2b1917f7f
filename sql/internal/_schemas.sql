-- Schema grants for core (tables) and internal (helpers). USAGE only: callers still need a
-- grant on each object, and RLS confines every table. Tenant views run as the caller, so the
-- tenant role must be able to reach the tables and helpers those views read.
grant usage on schema internal to ratecard_service, ratecard_tenant, ratecard_admin;
grant usage on schema core to ratecard_service, ratecard_tenant, ratecard_admin;
comment on schema core is 'Ratecard tables. Never granted to callers beyond RLS-confined reads.';
comment on schema internal is 'Ratecard helpers and trigger functions; not a public contract.';
