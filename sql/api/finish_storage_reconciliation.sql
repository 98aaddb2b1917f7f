-- api.finish_storage_reconciliation(): close a run after its last page (p_error null:
-- succeeded) or after a failure (failed, with the message). It records objects and bytes
-- after the run, for the run's scope and for each tenant with drift: what is tracked now,
-- or for a dry run what would be tracked had it fixed what it found. Returns the run as
-- api.list_storage_reconciliations shows it. Errors: RC032, RC033.
create or replace function api.finish_storage_reconciliation(
  p_reconciliation_id bigint, p_error text default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  run core.storage_reconciliations;
begin
  select * into run from core.storage_reconciliations r where r.id = p_reconciliation_id
     for update;
  if not found then
    raise exception 'no storage reconciliation %', p_reconciliation_id using errcode = 'RC032';
  end if;
  if run.status <> 'running' then
    raise exception 'storage reconciliation % is %', p_reconciliation_id, run.status
      using errcode = 'RC033', hint = 'start a new run';
  end if;

  if run.dry_run then
    update core.storage_reconciliation_tenants rt
       set objects_after = rt.objects_before + rt.added - rt.removed,
           bytes_after = rt.bytes_before + rt.added_bytes - rt.removed_bytes
                         + rt.corrected_bytes
     where rt.reconciliation_id = run.id;
  else
    update core.storage_reconciliation_tenants rt
       set objects_after = coalesce(c.objects, 0), bytes_after = coalesce(c.bytes, 0)
      from (select rt2.tenant_id, sum(c2.objects) as objects, sum(c2.bytes) as bytes
              from core.storage_reconciliation_tenants rt2
              left join core.storage_categories c2 on c2.tenant_id = rt2.tenant_id
             where rt2.reconciliation_id = run.id
             group by rt2.tenant_id) c
     where rt.reconciliation_id = run.id and rt.tenant_id = c.tenant_id;
  end if;

  update core.storage_reconciliations r
     set status = case when p_error is null then 'succeeded' else 'failed' end,
         error = left(p_error, 2000), finished_at = v_now, updated_at = v_now,
         tenants = (select count(*) from core.storage_reconciliation_tenants rt
                     where rt.reconciliation_id = run.id),
         objects_after = case when run.dry_run then r.objects_before + r.added - r.removed
                              else (select coalesce(sum(c.objects), 0)
                                      from core.storage_categories c
                                     where run.scope_tenant_id is null
                                        or c.tenant_id = run.scope_tenant_id) end,
         bytes_after = case when run.dry_run
                            then r.bytes_before
                                 + (select coalesce(sum(rt.added_bytes - rt.removed_bytes
                                                        + rt.corrected_bytes), 0)
                                      from core.storage_reconciliation_tenants rt
                                     where rt.reconciliation_id = run.id)
                            else (select coalesce(sum(c.bytes), 0)
                                    from core.storage_categories c
                                   where run.scope_tenant_id is null
                                      or c.tenant_id = run.scope_tenant_id) end
   where r.id = run.id;

  return (select to_jsonb(x) from api.list_storage_reconciliations(null, 1000, run.id) x);
end
$$;

comment on function api.finish_storage_reconciliation(bigint, text) is
  'Close a storage reconciliation run (succeeded, or failed with p_error) and record the after figures.';
grant execute on function api.finish_storage_reconciliation(bigint, text)
  to ratecard_service, ratecard_admin;
