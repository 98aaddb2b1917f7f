-- internal.storage_lock_number(): the advisory lock number of one stored object (tenant
-- and key), shared by every writer of storage objects (see internal.storage_lock_keys).
create or replace function internal.storage_lock_number(p_tenant_id uuid, p_key text)
returns bigint
language sql
immutable
parallel safe
as $$
  select pg_catalog.hashtextextended(p_tenant_id::text operator(pg_catalog.||) '/'
                                     operator(pg_catalog.||) p_key, 7410)
$$;

comment on function internal.storage_lock_number(uuid, text) is
  'Advisory lock number of a stored object (tenant, key).';
