-- The one clock every rule reads (architecture principle 4: time is data).
--
-- internal.now() returns core.clock.frozen_at when it is set, else now(). Production never
-- sets it; tests freeze and move it to cross period boundaries and grace deadlines without
-- sleeping. It is a table, not a session setting, because any role can set a custom GUC.

create table core.clock (
  id boolean primary key default true check (id),
  frozen_at timestamptz
);
comment on table core.clock is
  'One row. When frozen_at is set, internal.now() returns it instead of now() (tests only).';
insert into core.clock (id, frozen_at) values (true, null);

alter table core.clock enable row level security;
