-- internal.tg_storage__stamp(): every write of a stored object, a pending upload or a
-- tombstone takes a new number from core.storage_change_seq. A reconciliation notes the
-- sequence when it starts and leaves alone any object written after that (by an event, an
-- upload, a track or forget call): its listing may be older than that write.
create or replace function internal.tg_storage__stamp()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.change_seq := nextval('core.storage_change_seq');
  return new;
end
$$;

comment on function internal.tg_storage__stamp() is
  'Stamp a storage row with the next core.storage_change_seq on every insert and update.';

create or replace trigger stamp before insert or update on core.storage_objects
  for each row execute function internal.tg_storage__stamp();
create or replace trigger stamp before insert or update on core.storage_uploads
  for each row execute function internal.tg_storage__stamp();
create or replace trigger stamp before insert or update on core.storage_tombstones
  for each row execute function internal.tg_storage__stamp();
