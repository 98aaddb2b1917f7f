-- internal.job_purge_idempotency_keys(): the purge_idempotency_keys job (daily). Keys
-- older than {"older_than": "7 days"} (the job's arguments; an operator changes the window
-- with api.set_job_args) are deleted, {"batch": 5000} per step, each step its own
-- transaction (api.run_job). A consume or record_usage retried with a key purged before is
-- counted again, so the window must outlast any client's retries. Result: {"deleted": n}.
create or replace function internal.job_purge_idempotency_keys(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_before timestamptz := internal.now()
                          - coalesce((p_args->>'older_than')::interval, interval '7 days');
  v_batch integer := coalesce((p_args->>'batch')::integer, 5000);
  v_deleted integer;
begin
  if v_batch < 1 or v_before > internal.now() then
    raise exception 'older_than must not be negative and batch must be 1 or more'
      using errcode = 'RC005';
  end if;
  delete from core.idempotency_keys k
   where (k.tenant_id, k.key) in (select x.tenant_id, x.key from core.idempotency_keys x
                                   where x.created_at < v_before
                                   limit v_batch);
  get diagnostics v_deleted = row_count;
  return pg_catalog.jsonb_build_object('deleted', v_deleted, 'more', v_deleted = v_batch);
end
$$;

comment on function internal.job_purge_idempotency_keys(jsonb) is
  'Job purge_idempotency_keys: delete keys older than the window, one batch per step.';
