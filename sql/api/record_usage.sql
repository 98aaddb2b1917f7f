-- api.record_usage(): count usage that has already happened (billed usage such as AI
-- tokens), unconditionally and exactly once. The idempotency key is required: a replay
-- returns false and changes nothing, also when the two calls race. The event lands in the
-- period of p_occurred_at (default now), so late events count where they belong.
-- Threshold notifications are emitted as for consume. Errors: RC001, RC002, RC004 (amount
-- must be positive; gauges use api.consume), RC019 (key), RC006 (key reused), RC009.
create or replace function api.record_usage(
  p_tenant_id uuid,
  p_feature text,
  p_amount bigint,
  p_idempotency_key text,
  p_occurred_at timestamptz default null,
  p_properties jsonb default '{}'
)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_at timestamptz := coalesce(p_occurred_at, internal.now());
  e core.entitlements;
  k core.idempotency_keys;
  v_limit bigint;
  v_period timestamptz;
  v_used bigint;
begin
  if p_idempotency_key is null then
    raise exception 'record_usage needs an idempotency key'
      using errcode = 'RC019', hint = 'derive it from the event, e.g. the request id';
  end if;
  perform internal.check_idempotency_key(p_idempotency_key);
  if p_amount is null or p_amount <= 0 then
    raise exception 'amount must be a positive whole number' using errcode = 'RC004';
  end if;
  if p_properties is null or jsonb_typeof(p_properties) <> 'object' then
    raise exception 'properties must be a JSON object' using errcode = 'RC005';
  end if;
  select * into e from core.entitlements x
   where x.tenant_id = p_tenant_id and x.feature = p_feature;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
  if e.kind <> 'metered' then
    raise exception 'record_usage counts metered features; % is a %', p_feature, e.kind
      using errcode = 'RC009', hint = 'use api.consume for gauges';
  end if;

  insert into core.idempotency_keys (tenant_id, key, operation, feature, amount, allowed,
                                     created_at)
  values (p_tenant_id, p_idempotency_key, 'record', p_feature, p_amount, true, v_now)
  on conflict do nothing;
  if not found then
    select * into k from core.idempotency_keys x
     where x.tenant_id = p_tenant_id and x.key = p_idempotency_key;
    if k.operation <> 'record' or k.feature <> p_feature or k.amount <> p_amount then
      raise exception 'idempotency key % was already used for another request',
        p_idempotency_key using errcode = 'RC006';
    end if;
    return false;
  end if;

  v_limit := case when internal.override_live(e.override_enabled, e.override_expires_at, v_now)
                  then e.override_limit else e.base_limit end;
  v_period := internal.period_start(e.reset, e.period_anchor, e.period_interval, v_at);
  if e.durable then
    insert into core.meters as m (tenant_id, feature, period_start, used, over_since, updated_at)
    values (p_tenant_id, p_feature, v_period, p_amount,
            case when p_amount > v_limit then v_now end, v_now)
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + p_amount,
           over_since = case when m.used + p_amount > v_limit
                             then coalesce(m.over_since, v_now) end,
           updated_at = v_now
    returning m.used into v_used;
    insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                   idempotency_key, properties, billed)
    values (p_tenant_id, p_feature, p_amount, v_at, v_now, p_idempotency_key, p_properties,
            e.overage = 'bill');
  else
    insert into core.volatile_meters as m
      (tenant_id, feature, period_start, used, over_since, updated_at)
    values (p_tenant_id, p_feature, v_period, p_amount,
            case when p_amount > v_limit then v_now end, v_now)
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + p_amount,
           over_since = case when m.used + p_amount > v_limit
                             then coalesce(m.over_since, v_now) end,
           updated_at = v_now
    returning m.used into v_used;
  end if;
  if internal.crosses_threshold(v_limit, v_used - p_amount, v_used) then
    perform internal.emit_thresholds(p_tenant_id, p_feature, v_period, v_limit,
                                     v_used - p_amount, v_used, v_now);
  end if;
  return true;
end
$$;

comment on function api.record_usage(uuid, text, bigint, text, timestamptz, jsonb) is
  'Record metered usage unconditionally and exactly once per idempotency key; false for a duplicate.';
grant execute on function api.record_usage(uuid, text, bigint, text, timestamptz, jsonb)
  to ratecard_service, ratecard_admin;
