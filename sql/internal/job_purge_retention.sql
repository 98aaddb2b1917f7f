-- internal.job_purge_retention(): the purge_retention job (daily). Each tenant's usage
-- events older than its plan's retention ({"feature": "data_retention_days"}, in days,
-- internal.retention_cutoffs) are deleted, {"batch": 5000} rows per step, each step its
-- own transaction (api.run_job), so a large backlog never makes one long transaction.
-- Meters and period history (core.meters, api.usage_history) stay; an unlimited or
-- disabled retention keeps everything. Whole months past every tenant's retention are
-- dropped as partitions by maintain_partitions instead. Result: {"deleted": n}.
create or replace function internal.job_purge_retention(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_feature text := coalesce(p_args->>'feature', 'data_retention_days');
  v_batch integer := coalesce((p_args->>'batch')::integer, 5000);
  v_deleted integer;
begin
  if v_batch < 1 then
    raise exception 'batch must be 1 or more' using errcode = 'RC005';
  end if;
  delete from core.usage_events u
   where (u.tableoid, u.ctid) in (
     select e.tableoid, e.ctid
       from internal.retention_cutoffs(v_feature) c
       join core.usage_events e on e.tenant_id = c.tenant_id and e.occurred_at < c.cutoff
      limit v_batch);
  get diagnostics v_deleted = row_count;
  return pg_catalog.jsonb_build_object('deleted', v_deleted, 'more', v_deleted = v_batch);
end
$$;

comment on function internal.job_purge_retention(jsonb) is
  'Job purge_retention: delete usage events past each tenant''s retention, in batches.';
