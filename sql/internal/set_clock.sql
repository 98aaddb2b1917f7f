-- internal.set_clock(): freeze (or, with null, release) the clock that internal.now() reads.
-- Only the administrator role may move time; tests and demos use it.
create or replace function internal.set_clock(p_at timestamptz)
returns timestamptz
language sql
volatile
security definer
set search_path = ''
as $$
  update core.clock set frozen_at = p_at where id returning coalesce(frozen_at, pg_catalog.now())
$$;

comment on function internal.set_clock(timestamptz) is
  'Freeze internal.now() at p_at (null releases it). Returns the time now in force.';
revoke execute on function internal.set_clock(timestamptz) from public;
grant execute on function internal.set_clock(timestamptz) to ratecard_admin;
