-- internal.job_purge_job_runs(): the purge_job_runs job (daily). Finished runs (succeeded,
-- failed, dead) older than {"older_than": "30 days"} leave the history, {"batch": 5000} per
-- step. Queued and running runs are never touched. Result: {"deleted": n}.
create or replace function internal.job_purge_job_runs(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_before timestamptz := internal.now()
                          - coalesce((p_args->>'older_than')::interval, interval '30 days');
  v_batch integer := coalesce((p_args->>'batch')::integer, 5000);
  v_deleted integer;
begin
  if v_batch < 1 then
    raise exception 'batch must be 1 or more' using errcode = 'RC005';
  end if;
  delete from core.job_runs r
   where r.id in (select x.id from core.job_runs x
                   where x.finished_at < v_before
                     and x.status in ('succeeded', 'failed', 'dead')
                   order by x.finished_at
                   limit v_batch);
  get diagnostics v_deleted = row_count;
  return pg_catalog.jsonb_build_object('deleted', v_deleted, 'more', v_deleted = v_batch);
end
$$;

comment on function internal.job_purge_job_runs(jsonb) is
  'Job purge_job_runs: delete finished runs older than the window, one batch per step.';
