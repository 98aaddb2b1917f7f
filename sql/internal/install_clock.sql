-- internal.install_clock(): (re)define internal.now() from core.clock: the frozen instant
-- as a constant, or pg_catalog.now() when the clock runs. Called by internal.set_clock
-- after it wrote core.clock (whose row lock serialises concurrent calls) and by every
-- migrate (sql/after/install_clock.sql). See internal.now() for why the clock is a
-- definition. Returns the time now in force.
create or replace function internal.install_clock()
returns timestamptz
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_at timestamptz;
  v_body text;
begin
  select c.frozen_at into v_at from core.clock c where c.id;
  if v_at is null then
    v_body := 'select pg_catalog.now()';
  else
    -- ISO 8601 in UTC with microseconds: read back the same whatever the session's
    -- DateStyle and TimeZone.
    v_body := format('select %L::timestamptz',
                     case when pg_catalog.isfinite(v_at)
                          then pg_catalog.to_char(v_at at time zone 'UTC',
                                                  'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                          else v_at::text end);
  end if;
  if v_body is distinct from (select p.prosrc from pg_catalog.pg_proc p
                               where p.oid = 'internal.now()'::pg_catalog.regprocedure) then
    execute format('create or replace function internal.now() returns timestamptz'
                   ' language sql stable parallel safe as %L', v_body);
  end if;
  return coalesce(v_at, pg_catalog.now());
end
$$;

comment on function internal.install_clock() is
  'Define internal.now() from core.clock (frozen instant or now()). Returns the time in force.';
