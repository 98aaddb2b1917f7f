-- internal.set_clock(): freeze (or, with null, release) the clock that internal.now() reads.
-- Only the administrator role may move time; tests and demos use it. The instant is kept
-- in core.clock (the row lock serialises concurrent calls) and internal.install_clock
-- redefines internal.now() to match.
create or replace function internal.set_clock(p_at timestamptz)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update core.clock set frozen_at = p_at where id;
  return internal.install_clock();
end
$$;

comment on function internal.set_clock(timestamptz) is
  'Freeze internal.now() at p_at (null releases it). Returns the time now in force.';
revoke execute on function internal.set_clock(timestamptz) from public;
grant execute on function internal.set_clock(timestamptz) to ratecard_admin;
