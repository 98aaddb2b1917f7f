-- internal.now(): the current time as every Ratecard rule sees it.
--
-- Normally the transaction's start time (pg_catalog.now()), which keeps every statement of a
-- transaction on the same side of a period boundary. Tests freeze time with
-- internal.set_clock, which records the instant in core.clock and then redefines this
-- function (internal.install_clock) to return that constant; releasing the clock puts
-- pg_catalog.now() back.
--
-- Why a definition rather than a lookup: this is a plain SQL function without SET clauses,
-- so PostgreSQL inlines it into every query and expression that calls it. Reading "now" on
-- the hot paths (check_quota, consume) then costs what pg_catalog.now() costs, not a
-- function call and a query on core.clock per call. Plans that inlined it are invalidated
-- when it is redefined, in every session, so a moved clock is seen by the next statement.
-- Only the owner can redefine it (set_clock is security definer and granted to admins
-- only), which keeps the guarantee core.clock gave: no caller can move time for itself.
-- This file always installs the running clock; sql/after/install_clock.sql then puts back
-- a frozen one if core.clock says so.
create or replace function internal.now()
returns timestamptz
language sql
stable
parallel safe
as $$
  select pg_catalog.now()
$$;

comment on function internal.now() is
  'Current time for all rules: now(), or the instant frozen by internal.set_clock (tests).';
grant execute on function internal.now() to ratecard_service, ratecard_tenant, ratecard_admin;
