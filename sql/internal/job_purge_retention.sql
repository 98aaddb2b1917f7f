-- internal.job_purge_retention(): the purge_retention job (daily). Each tenant's usage
-- events older than its plan's retention ({"feature": "data_retention_days"}, in days,
-- internal.retention_cutoffs) are deleted, {"batch": 5000} rows per step, each step its
-- own transaction (api.run_job), so a large backlog never makes one long transaction.
-- Meters and period history (core.meters, api.usage_history) stay; an unlimited or
-- disabled retention keeps everything. Whole months past every tenant's retention are
-- dropped as partitions by maintain_partitions instead. Result: {"deleted": n}.
--
-- Tenants are worked through in tenant order. A step that fills its batch returns the last
-- tenant it reached as `resume` (api.step_job_run passes it to the next step), and the next
-- step starts at that tenant: without it every step started again at the first tenant and
-- read each emptied tenant's remaining (recent) ledger entries again, so a long purge slowed
-- as it went (bench/RESULTS.md).
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
  v_from uuid;
  v_deleted bigint;
  v_last uuid;
begin
  if v_batch < 1 then
    raise exception 'batch must be 1 or more' using errcode = 'RC005';
  end if;
  if p_args ? 'resume' then
    if pg_catalog.jsonb_typeof(p_args->'resume') is distinct from 'string'
       or (p_args->>'resume') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    then
      raise exception 'resume must be a tenant id' using errcode = 'RC005';
    end if;
    v_from := (p_args->>'resume')::uuid;
  end if;
  with victims as materialized (
    select e.tableoid, e.ctid, c.tenant_id
      from internal.retention_cutoffs(v_feature) c
      join core.usage_events e on e.tenant_id = c.tenant_id and e.occurred_at < c.cutoff
     -- the nil uuid sorts first: no position means from the first tenant
     where c.tenant_id >= coalesce(v_from, '00000000-0000-0000-0000-000000000000'::uuid)
     order by c.tenant_id
     limit v_batch
  ),
  gone as (
    delete from core.usage_events u
     where (u.tableoid, u.ctid) in (select v.tableoid, v.ctid from victims v)
    returning 1
  )
  select (select count(*) from gone),
         (select v.tenant_id from victims v order by v.tenant_id desc limit 1)
    into v_deleted, v_last;
  if v_deleted < v_batch then
    return pg_catalog.jsonb_build_object('deleted', v_deleted, 'more', false);
  end if;
  -- the batch is full: the last tenant reached may have more, so the next step starts there
  return pg_catalog.jsonb_build_object('deleted', v_deleted, 'more', true, 'resume', v_last);
end
$$;

comment on function internal.job_purge_retention(jsonb) is
  'Job purge_retention: delete usage events past each tenant''s retention, in batches.';
