-- internal.storage_lock_keys(): take the transaction advisory locks of a set of objects,
-- (tenant, key) pairs, in one global order (by lock number), so two batches that share
-- keys cannot deadlock. The lock number is the one api.track_object takes for a single
-- object: every writer of an object (track, forget, upload, events, reconciliation,
-- expiry) holds it while it reads the object's state and changes it.
create or replace function internal.storage_lock_keys(p_tenant_ids uuid[], p_keys text[])
returns void
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.count(pg_catalog.pg_advisory_xact_lock(l.n))
    from (select distinct internal.storage_lock_number(k.tenant_id, k.object_key) as n
            from rows from (pg_catalog.unnest(p_tenant_ids), pg_catalog.unnest(p_keys))
                   as k(tenant_id, object_key)
           order by 1) l
$$;

comment on function internal.storage_lock_keys(uuid[], text[]) is
  'Advisory-lock a set of (tenant, key) objects in one global order.';
