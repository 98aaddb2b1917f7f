-- The bucket listed page by page and compared with the tracked objects, drift fixed and the
-- run recorded per tenant (jobs/storage.py: reconcile_storage). Hourly, one run at a time.
select internal.define_job('reconcile_storage', 'queue',
  'List the bucket and fix drift between it and the tracked objects (storage_bytes follows)',
  p_schedule => '10 * * * *', p_max_attempts => 3, p_lease_seconds => 900,
  p_args => '{"dry_run": false, "page_size": 1000}');
