-- internal.storage_layout(): the storage settings in force, with the key layout compiled
-- (internal.compile_key_layout). One row. Every storage rule that maps keys to tenants and
-- categories starts here, so a changed layout applies to the next call everywhere.
create or replace function internal.storage_layout()
returns table (
  key_layout text, pattern text, tenant_first boolean, prefix text, tenant_prefix text,
  category_names jsonb, upload_seconds integer, pending_seconds integer,
  tombstone_days integer, history_days integer
)
language sql
stable
set search_path = ''
as $$
  select s.key_layout, c.pattern, c.tenant_first, c.prefix, c.tenant_prefix,
         s.category_names, s.upload_seconds, s.pending_seconds, s.tombstone_days,
         s.history_days
    from core.storage_settings s
   cross join lateral internal.compile_key_layout(s.key_layout) c
$$;

comment on function internal.storage_layout() is
  'The storage settings in force, the key layout compiled: pattern, prefixes, category names, lifetimes.';
