-- The api schema is rebuilt on every migrate; these are its own grants.
-- Callers get USAGE on the schema and EXECUTE on single functions, nothing else.
grant usage on schema api to ratecard_authenticator, ratecard_service, ratecard_tenant,
  ratecard_admin;
comment on schema api is 'Ratecard public contract: functions and security_invoker views.';
