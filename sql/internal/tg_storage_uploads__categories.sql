-- internal.tg_storage_uploads__categories(): keep the pending uploads of
-- core.storage_categories in step with core.storage_uploads, one statement at a time.
create or replace function internal.tg_storage_uploads__categories()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_deltas jsonb;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object(
             'tenant_id', n.tenant_id, 'category', n.category, 'objects', 0, 'bytes', 0,
             'pending_objects', 1, 'pending_bytes', n.size_bytes, 'oversized', 0))
      into v_deltas from new_rows n;
  elsif tg_op = 'DELETE' then
    select jsonb_agg(jsonb_build_object(
             'tenant_id', o.tenant_id, 'category', o.category, 'objects', 0, 'bytes', 0,
             'pending_objects', -1, 'pending_bytes', -o.size_bytes, 'oversized', 0))
      into v_deltas from old_rows o;
  else
    select jsonb_agg(x.d) into v_deltas
      from (select jsonb_build_object(
                     'tenant_id', n.tenant_id, 'category', n.category, 'objects', 0,
                     'bytes', 0, 'pending_objects', 1, 'pending_bytes', n.size_bytes,
                     'oversized', 0) as d
              from new_rows n
            union all
            select jsonb_build_object(
                     'tenant_id', o.tenant_id, 'category', o.category, 'objects', 0,
                     'bytes', 0, 'pending_objects', -1, 'pending_bytes', -o.size_bytes,
                     'oversized', 0)
              from old_rows o) x;
  end if;
  if v_deltas is not null then
    perform internal.storage_categories_add(v_deltas);
  end if;
  return null;
end
$$;

comment on function internal.tg_storage_uploads__categories() is
  'Statement trigger: per-category pending uploads follow core.storage_uploads.';

create or replace trigger categories_insert after insert on core.storage_uploads
  referencing new table as new_rows
  for each statement execute function internal.tg_storage_uploads__categories();
create or replace trigger categories_update after update on core.storage_uploads
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.tg_storage_uploads__categories();
create or replace trigger categories_delete after delete on core.storage_uploads
  referencing old table as old_rows
  for each statement execute function internal.tg_storage_uploads__categories();
