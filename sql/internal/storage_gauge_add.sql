-- internal.storage_gauge_add(): change a tenant's storage_bytes gauge by bytes that exist
-- (or stopped existing) in the bucket, without a limit check: what S3 events, the
-- reconciliation and expiring uploads report is a fact, not a request. Everything else
-- follows as for api.track_object (through api.consume): the meter never goes below zero,
-- passing the limit starts the grace period (over_since) and falling back under it ends
-- it, crossing 80/95/100% writes threshold notifications (once per calendar month for a
-- gauge), and the change is written to the usage ledger, here with
-- {"source": p_source} in its properties. Returns the gauge's new level.
-- Callers hold the advisory locks of the objects concerned and call it once per tenant,
-- in tenant order, before they write the objects (the lock order of api.track_object).
create or replace function internal.storage_gauge_add(
  p_tenant_id uuid, p_delta bigint, p_source text
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  e core.entitlements;
  v_limit bigint;
  v_period timestamptz;
  v_old bigint;
  v_used bigint;
begin
  select * into e from core.entitlements x
   where x.tenant_id = p_tenant_id and x.feature = 'storage_bytes';
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, 'storage_bytes');
  end if;
  v_limit := case when internal.override_live(e.override_enabled, e.override_expires_at, v_now)
                  then e.override_limit else e.base_limit end;
  v_period := internal.period_start(e.reset, e.period_anchor, e.period_interval, v_now);

  -- A gauge is always durable (core.features), so its meter is in core.meters.
  select m.used into v_old from core.meters m
   where m.tenant_id = p_tenant_id and m.feature = 'storage_bytes'
     and m.period_start = v_period
     for update;
  v_old := coalesce(v_old, 0);
  v_used := greatest(v_old + coalesce(p_delta, 0), 0);
  if v_used = v_old then
    return v_old;
  end if;

  insert into core.meters as m (tenant_id, feature, period_start, used, over_since, updated_at)
  values (p_tenant_id, 'storage_bytes', v_period, v_used,
          case when v_used > v_limit then v_now end, v_now)
  on conflict (tenant_id, feature, period_start) do update
     set used = excluded.used,
         over_since = case when excluded.used > v_limit
                           then coalesce(m.over_since, v_now) end,
         updated_at = v_now;
  insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                 properties)
  values (p_tenant_id, 'storage_bytes', v_used - v_old, v_now, v_now,
          jsonb_build_object('source', p_source));

  if internal.crosses_threshold(v_limit, v_old, v_used) then
    perform internal.emit_thresholds(
      p_tenant_id, 'storage_bytes',
      pg_catalog.date_trunc('month', v_now at time zone 'UTC') at time zone 'UTC',
      v_limit, v_old, v_used, v_now);
  end if;
  return v_used;
end
$$;

comment on function internal.storage_gauge_add(uuid, bigint, text) is
  'Add (or remove) bytes that exist in the bucket to storage_bytes, unchecked; grace and thresholds follow.';
