-- internal.job_expire_storage_uploads(): the step of the SQL job expire_storage_uploads.
-- Pending uploads whose pending_until has passed without S3 confirming the object (no
-- event, not found by a reconciliation) are dropped and their reservation released from
-- the storage_bytes gauge (the gauge keeps, per key, a stored object's own size), at most
-- {"batch": 1000} per step, committed one step at a time ("more": true while there are
-- more). The last step also purges what is only kept for a while: tombstones older than
-- tombstone_days, history older than history_days, reconciliation runs older than
-- {"keep_runs": "30 days"}. → {"expired": n, "released_bytes": n, "purged": n}
create or replace function internal.job_expire_storage_uploads(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_batch integer := coalesce((p_args ->> 'batch')::integer, 1000);
  v_keep interval := coalesce((p_args ->> 'keep_runs')::interval, interval '30 days');
  l record;
  v_due jsonb;
  v_count integer;
  v_released bigint := 0;
  v_purged bigint := 0;
  n bigint;
  r record;
begin
  if v_batch not between 1 and 100000 then
    raise exception 'batch must be 1 to 100000' using errcode = 'RC005';
  end if;
  select coalesce(jsonb_agg(jsonb_build_object('tenant_id', u.tenant_id, 'key', u.object_key)),
                  '[]')
    into v_due
    from (select u.tenant_id, u.object_key from core.storage_uploads u
           where u.pending_until <= v_now
           order by u.pending_until
           limit v_batch) u;
  v_count := jsonb_array_length(v_due);

  if v_count > 0 then
    perform internal.storage_lock_keys(array_agg(x.tenant_id), array_agg(x.key))
       from jsonb_to_recordset(v_due) as x(tenant_id uuid, key text);
    -- Under the locks: still due (an upload asked for again has a new pending_until).
    for r in
      select u.tenant_id,
             sum(coalesce(o.size_bytes, 0)
                 - greatest(coalesce(o.size_bytes, 0), u.size_bytes))::bigint as delta
        from jsonb_to_recordset(v_due) as x(tenant_id uuid, key text)
        join core.storage_uploads u
          on u.tenant_id = x.tenant_id and u.object_key = x.key and u.pending_until <= v_now
        left join core.storage_objects o
          on o.tenant_id = u.tenant_id and o.object_key = u.object_key
       group by u.tenant_id
       order by u.tenant_id
    loop
      if r.delta <> 0 then
        perform internal.storage_gauge_add(r.tenant_id, r.delta, 'upload_expired');
        v_released := v_released - r.delta;
      end if;
    end loop;
    delete from core.storage_uploads u
     using jsonb_to_recordset(v_due) as x(tenant_id uuid, key text)
     where u.tenant_id = x.tenant_id and u.object_key = x.key and u.pending_until <= v_now;
    get diagnostics v_count = row_count;
  end if;
  if v_count = v_batch then
    return jsonb_build_object('expired', v_count, 'released_bytes', v_released, 'more', true);
  end if;

  select * into l from internal.storage_layout();
  delete from core.storage_tombstones t
   where t.recorded_at < v_now - make_interval(days => l.tombstone_days);
  get diagnostics n = row_count;
  v_purged := v_purged + n;
  delete from core.storage_history h
   where h.day < (v_now at time zone 'UTC')::date - l.history_days;
  get diagnostics n = row_count;
  v_purged := v_purged + n;
  delete from core.storage_reconciliations s
   where s.started_at < v_now - v_keep and s.status <> 'running';
  get diagnostics n = row_count;
  v_purged := v_purged + n;
  return jsonb_build_object('expired', v_count, 'released_bytes', v_released,
                            'purged', v_purged);
end
$$;

comment on function internal.job_expire_storage_uploads(jsonb) is
  'Job step: release expired pending uploads (a batch), then purge old tombstones, history and runs.';
