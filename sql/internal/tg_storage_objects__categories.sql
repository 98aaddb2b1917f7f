-- internal.tg_storage_objects__categories(): keep core.storage_categories (and today's
-- core.storage_history) in step with core.storage_objects, one statement at a time, from
-- the statement's transition tables: objects, bytes and oversized objects (larger than
-- their declared upload size) per tenant and category.
create or replace function internal.tg_storage_objects__categories()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_deltas jsonb;
begin
  if tg_op = 'INSERT' then
    select jsonb_agg(jsonb_build_object(
             'tenant_id', n.tenant_id, 'category', n.category, 'objects', 1,
             'bytes', n.size_bytes, 'pending_objects', 0, 'pending_bytes', 0,
             'oversized', coalesce((n.size_bytes > n.declared_bytes)::int, 0)))
      into v_deltas from new_rows n;
  elsif tg_op = 'DELETE' then
    select jsonb_agg(jsonb_build_object(
             'tenant_id', o.tenant_id, 'category', o.category, 'objects', -1,
             'bytes', -o.size_bytes, 'pending_objects', 0, 'pending_bytes', 0,
             'oversized', -coalesce((o.size_bytes > o.declared_bytes)::int, 0)))
      into v_deltas from old_rows o;
  else
    select jsonb_agg(x.d) into v_deltas
      from (select jsonb_build_object(
                     'tenant_id', n.tenant_id, 'category', n.category, 'objects', 1,
                     'bytes', n.size_bytes, 'pending_objects', 0, 'pending_bytes', 0,
                     'oversized', coalesce((n.size_bytes > n.declared_bytes)::int, 0)) as d
              from new_rows n
            union all
            select jsonb_build_object(
                     'tenant_id', o.tenant_id, 'category', o.category, 'objects', -1,
                     'bytes', -o.size_bytes, 'pending_objects', 0, 'pending_bytes', 0,
                     'oversized', -coalesce((o.size_bytes > o.declared_bytes)::int, 0))
              from old_rows o) x;
  end if;
  if v_deltas is not null then
    perform internal.storage_categories_add(v_deltas);
  end if;
  return null;
end
$$;

comment on function internal.tg_storage_objects__categories() is
  'Statement trigger: per-category objects, bytes and oversized counts follow core.storage_objects.';

create or replace trigger categories_insert after insert on core.storage_objects
  referencing new table as new_rows
  for each statement execute function internal.tg_storage_objects__categories();
create or replace trigger categories_update after update on core.storage_objects
  referencing old table as old_rows new table as new_rows
  for each statement execute function internal.tg_storage_objects__categories();
create or replace trigger categories_delete after delete on core.storage_objects
  referencing old table as old_rows
  for each statement execute function internal.tg_storage_objects__categories();
