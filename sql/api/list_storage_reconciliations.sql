-- api.list_storage_reconciliations(): runs of the storage reconciliation, newest first,
-- each with its per-tenant results (tenants with drift) as a JSON array. p_tenant_id:
-- only runs for that tenant or with a result for it (and only its result); p_id: one run.
-- RC005 for a limit outside 1 to 1000.
create or replace function api.list_storage_reconciliations(
  p_tenant_id uuid default null, p_limit integer default 20, p_id bigint default null
)
returns table (
  id bigint, status text, dry_run boolean, scope_tenant_id uuid, bucket text, prefix text,
  started_at timestamptz, finished_at timestamptz, duration_seconds float8, pages integer,
  listed_objects bigint, listed_bytes bigint, objects_before bigint, bytes_before bigint,
  objects_after bigint, bytes_after bigint, added bigint, removed bigint, corrected bigint,
  confirmed bigint, oversized bigint, skipped bigint, unattributed bigint,
  unattributed_bytes bigint, unattributed_sample jsonb, tenants jsonb, job_run_id bigint,
  error text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select r.id, r.status, r.dry_run, r.scope_tenant_id, r.bucket, r.prefix, r.started_at,
           r.finished_at, extract(epoch from r.finished_at - r.started_at)::float8, r.pages,
           r.listed_objects, r.listed_bytes, r.objects_before, r.bytes_before,
           r.objects_after, r.bytes_after, r.added, r.removed, r.corrected, r.confirmed,
           r.oversized, r.skipped, r.unattributed, r.unattributed_bytes,
           r.unattributed_sample,
           coalesce((select jsonb_agg(to_jsonb(t) - 'reconciliation_id' order by t.tenant_id)
                       from core.storage_reconciliation_tenants t
                      where t.reconciliation_id = r.id
                        and (p_tenant_id is null or t.tenant_id = p_tenant_id)), '[]'),
           r.job_run_id, r.error
      from core.storage_reconciliations r
     where (p_id is null or r.id = p_id)
       and (p_tenant_id is null or r.scope_tenant_id = p_tenant_id
            or exists (select from core.storage_reconciliation_tenants t
                        where t.reconciliation_id = r.id and t.tenant_id = p_tenant_id))
     order by r.started_at desc, r.id desc
     limit p_limit;
end
$$;

comment on function api.list_storage_reconciliations(uuid, integer, bigint) is
  'Storage reconciliation runs, newest first, with per-tenant results (tenants with drift).';
grant execute on function api.list_storage_reconciliations(uuid, integer, bigint)
  to ratecard_service, ratecard_admin;
