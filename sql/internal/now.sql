-- internal.now(): the current time as every Ratecard rule sees it.
-- Reads core.clock so tests can freeze time; otherwise the transaction's start time, which
-- keeps every statement in one transaction on the same side of a period boundary.
-- PL/pgSQL so the lookup's plan is prepared once per session (a SQL function with a
-- subquery cannot be inlined and would be planned on every call).
create or replace function internal.now()
returns timestamptz
language plpgsql
stable
parallel safe
as $$
begin
  return coalesce((select c.frozen_at from core.clock c where c.id), pg_catalog.now());
end
$$;

comment on function internal.now() is
  'Current time for all rules: core.clock.frozen_at if set (tests), else now().';
grant execute on function internal.now() to ratecard_service, ratecard_tenant, ratecard_admin;
