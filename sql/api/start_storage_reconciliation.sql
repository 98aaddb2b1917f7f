-- api.start_storage_reconciliation(): open a run of the storage reconciliation (the job
-- reconcile_storage and `ratecard storage reconcile` call it before they list the bucket).
-- It decides what to list: the whole bucket, so that every key outside the layout is
-- counted as unattributed, or for one tenant, when the layout puts the tenant before the
-- category, that tenant's prefix (tenants/<id>/). It notes the
-- point in core.storage_change_seq where the run starts: objects written after it (by
-- events, uploads, track or forget calls) are newer than the listing and are left alone.
-- A run still `running` after an hour without a page, or left by an earlier attempt of
-- the same job run, is marked abandoned. Errors: RC005 (no bucket), RC001 (tenant).
create or replace function api.start_storage_reconciliation(
  p_bucket text, p_tenant_id uuid default null, p_dry_run boolean default false,
  p_job_run_id bigint default null
)
returns table (reconciliation_id bigint, prefix text, change_mark bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  l record;
  v_prefix text;
  v_mark bigint;
  v_id bigint;
begin
  if p_bucket is null or p_bucket !~ '^[a-zA-Z0-9][a-zA-Z0-9._-]{1,254}$' then
    raise exception 'invalid bucket name %', coalesce(quote_literal(p_bucket), 'null')
      using errcode = 'RC005', hint = 'set RATECARD_S3_BUCKET';
  end if;
  if p_tenant_id is not null
     and not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  select * into l from internal.storage_layout();
  v_prefix := case when p_tenant_id is not null and l.tenant_prefix is not null
                   then replace(l.tenant_prefix, '{tenant_id}', p_tenant_id::text)
                   else '' end;

  update core.storage_reconciliations r
     set status = 'abandoned', finished_at = v_now, updated_at = v_now,
         error = 'no page for an hour, or the job run started again'
   where r.status = 'running'
     and (r.updated_at < v_now - interval '1 hour'
          or (p_job_run_id is not null and r.job_run_id = p_job_run_id));

  v_mark := nextval('core.storage_change_seq');
  insert into core.storage_reconciliations
    (scope_tenant_id, bucket, prefix, dry_run, status, job_run_id, change_mark, started_at,
     updated_at, objects_before, bytes_before)
  select p_tenant_id, p_bucket, v_prefix, coalesce(p_dry_run, false), 'running', p_job_run_id,
         v_mark, v_now, v_now, coalesce(sum(c.objects), 0), coalesce(sum(c.bytes), 0)
    from core.storage_categories c
   where p_tenant_id is null or c.tenant_id = p_tenant_id
  returning id into v_id;
  return query select v_id, v_prefix, v_mark;
end
$$;

comment on function api.start_storage_reconciliation(text, uuid, boolean, bigint) is
  'Open a storage reconciliation run: the listing prefix, the change mark; abandons stale runs.';
grant execute on function api.start_storage_reconciliation(text, uuid, boolean, bigint)
  to ratecard_service, ratecard_admin;
