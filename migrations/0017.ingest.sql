-- depends: 0016.metered_billing
--
-- Cheaper idempotency keys for bulk ingestion (api.merge_usage_stream,
-- api.record_usage_batch) and keyed consumes. Every recorded event writes one key row, so
-- what each key row costs bounds ingestion:
--
-- * The purge index on created_at becomes a BRIN index. Keys are appended in time order,
--   so a BRIN index (a few pages, updated only when a block range's summary changes) finds
--   old keys for internal.job_purge_idempotency_keys as well as a B-tree did, without a
--   B-tree insertion per key.
-- * The foreign key to core.tenants goes. It ran a referential check (a query with a row
--   lock on the tenant) for every key inserted, a large share of a bulk merge; every key is
--   written by a security definer function that has just read the tenant's entitlement
--   row, so the tenant is known to exist. Tenants are never deleted by Ratecard; keys of a
--   tenant deleted by hand age out with the daily purge.

drop index core.idempotency_keys_created;
create index idempotency_keys_created on core.idempotency_keys using brin (created_at);

alter table core.idempotency_keys drop constraint idempotency_keys_tenant_id_fkey;
