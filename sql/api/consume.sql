-- api.consume(): atomically check a limit and record usage. The hot path of Ratecard.
--
-- One upsert on the meter row both decides and counts: its WHERE clause is
-- internal.usage_allows(), evaluated on the row it has locked, so concurrent callers can
-- never overshoot a limit or lose an update. Allowed usage is appended to the ledger
-- (durable features) in the same transaction; crossing 80/95/100% writes outbox rows.
--
-- Idempotency: with p_idempotency_key, the key row is inserted first. A concurrent call
-- with the same key waits on that row's unique index until the first commits, then finds
-- it and returns the stored outcome with duplicate = true, changing nothing. Reusing a key
-- for another feature, amount or operation (record_usage) is RC006.
--
-- Gauges take negative amounts to release (never below zero). Denials record nothing but
-- the key's outcome. `resets_at` is the end of the period the call counted in (when the
-- meter starts again at zero: the next hour for an hourly rate limit); null for gauges,
-- which never reset. Errors: RC001 unknown tenant, RC002 unknown feature, RC004 bad amount,
-- RC019 bad key, RC006 key reused, RC009 switch features cannot be consumed.
create or replace function api.consume(
  p_tenant_id uuid,
  p_feature text,
  p_amount bigint default 1,
  p_idempotency_key text default null
)
returns table (
  allowed boolean, duplicate boolean, used bigint, "limit" bigint, remaining bigint,
  state text, resets_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  e core.entitlements;
  k core.idempotency_keys;
  v_enabled boolean;
  v_limit bigint;
  v_period timestamptz;
  v_resets timestamptz;
  v_used bigint;
  v_old bigint;
  v_over timestamptz;
  v_allowed boolean;
  v_state text;
begin
  if p_amount is null or p_amount = 0 then
    raise exception 'amount must be a non-zero whole number'
      using errcode = 'RC004', hint = 'consume a positive amount; gauges may release with a negative one';
  end if;

  select * into e from core.entitlements x
   where x.tenant_id = p_tenant_id and x.feature = p_feature;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, p_feature);
  end if;
  if e.kind = 'switch' then
    raise exception 'feature % is a switch and cannot be consumed', p_feature
      using errcode = 'RC009', hint = 'use api.check_quota to test a switch';
  end if;
  if p_amount < 0 and e.kind <> 'gauge' then
    raise exception 'amount must be positive for metered feature %', p_feature
      using errcode = 'RC004', hint = 'only gauges can be released with a negative amount';
  end if;

  if p_idempotency_key is not null then
    perform internal.check_idempotency_key(p_idempotency_key);
    insert into core.idempotency_keys (tenant_id, key, operation, feature, amount, created_at)
    values (p_tenant_id, p_idempotency_key, 'consume', p_feature, p_amount, v_now)
    on conflict do nothing;
    if not found then
      select * into k from core.idempotency_keys x
       where x.tenant_id = p_tenant_id and x.key = p_idempotency_key;
      if k.operation <> 'consume' or k.feature <> p_feature or k.amount <> p_amount
         or k.allowed is null then
        raise exception 'idempotency key % was already used for another request',
          p_idempotency_key
          using errcode = 'RC006',
                detail = format('first use: %s of %s %s', k.operation, k.amount, k.feature),
                hint = 'use a new key for a new request';
      end if;
      return query select k.allowed, true, k.used, k.limit_value, k.remaining, k.state,
                          k.resets_at;
      return;
    end if;
  end if;

  if internal.override_live(e.override_enabled, e.override_expires_at, v_now) then
    v_enabled := e.override_enabled;
    v_limit := e.override_limit;
  else
    v_enabled := e.base_enabled;
    v_limit := e.base_limit;
  end if;
  v_period := internal.period_start(e.reset, e.period_anchor, e.period_interval, v_now);
  v_resets := internal.period_end(e.reset, v_period, e.period_interval, e.period_anchor);

  if p_amount < 0 then
    -- Release (gauges only): lock the row, never go below zero, record what was released.
    select m.used into v_old from core.meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period
       for update;
    v_old := coalesce(v_old, 0);
    v_used := greatest(v_old + p_amount, 0);
    if v_old > 0 then
      update core.meters m
         set used = v_used,
             over_since = case when v_limit is not null and v_used > v_limit
                               then m.over_since end,
             updated_at = v_now
       where m.tenant_id = p_tenant_id and m.feature = p_feature
         and m.period_start = v_period
      returning m.over_since into v_over;
      insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                     idempotency_key)
      values (p_tenant_id, p_feature, v_used - v_old, v_now, v_now, p_idempotency_key);
    end if;
    v_allowed := true;
  elsif e.durable then
    insert into core.meters as m (tenant_id, feature, period_start, used, over_since, updated_at)
    select p_tenant_id, p_feature, v_period, p_amount,
           case when p_amount > v_limit then v_now end, v_now
     where internal.usage_allows(v_enabled, v_limit, 0, p_amount, e.overage, e.buffer_pct,
                                 null, e.grace, v_now)
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + p_amount,
           over_since = case when m.used + p_amount > v_limit
                             then coalesce(m.over_since, v_now) end,
           updated_at = v_now
     where internal.usage_allows(v_enabled, v_limit, m.used, p_amount, e.overage,
                                 e.buffer_pct, m.over_since, e.grace, v_now)
    returning m.used, m.over_since into v_used, v_over;
    v_allowed := found;
    if v_allowed then
      -- billed: the plan in force bills this feature's usage (reported to Stripe)
      insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                     idempotency_key, billed)
      values (p_tenant_id, p_feature, p_amount, v_now, v_now, p_idempotency_key,
              e.overage = 'bill' and e.kind = 'metered');
    end if;
  else
    insert into core.volatile_meters as m
      (tenant_id, feature, period_start, used, over_since, updated_at)
    select p_tenant_id, p_feature, v_period, p_amount,
           case when p_amount > v_limit then v_now end, v_now
     where internal.usage_allows(v_enabled, v_limit, 0, p_amount, e.overage, e.buffer_pct,
                                 null, e.grace, v_now)
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + p_amount,
           over_since = case when m.used + p_amount > v_limit
                             then coalesce(m.over_since, v_now) end,
           updated_at = v_now
     where internal.usage_allows(v_enabled, v_limit, m.used, p_amount, e.overage,
                                 e.buffer_pct, m.over_since, e.grace, v_now)
    returning m.used, m.over_since into v_used, v_over;
    v_allowed := found;
  end if;

  if v_allowed then
    v_old := v_used - p_amount;
    if p_amount > 0 and v_limit > 0 and v_used * 100 >= v_limit * 80
       and v_old * 100 < v_limit * 100 then
      perform internal.emit_thresholds(
        p_tenant_id, p_feature,
        case when e.kind = 'gauge'
             then pg_catalog.date_trunc('month', v_now at time zone 'UTC') at time zone 'UTC'
             else v_period end,
        v_limit, v_old, v_used, v_now);
    end if;
  elsif e.durable then
    select m.used, m.over_since into v_used, v_over from core.meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  else
    select m.used, m.over_since into v_used, v_over from core.volatile_meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  end if;

  v_used := coalesce(v_used, 0);
  v_state := internal.usage_state(v_enabled, v_limit, v_used, e.overage, e.buffer_pct,
                                  v_over, e.grace, v_now);
  if p_idempotency_key is not null then
    update core.idempotency_keys x
       set allowed = v_allowed, used = v_used, limit_value = v_limit,
           remaining = case when v_limit is not null then greatest(v_limit - v_used, 0) end,
           state = v_state, resets_at = v_resets
     where x.tenant_id = p_tenant_id and x.key = p_idempotency_key;
  end if;
  return query select v_allowed, false, v_used, v_limit,
                      case when v_limit is not null then greatest(v_limit - v_used, 0) end,
                      v_state, v_resets;
end
$$;

comment on function api.consume(uuid, text, bigint, text) is
  'Atomically check the limit and record p_amount of p_feature for a tenant. Returns allowed, duplicate, used, limit, remaining, state and resets_at (end of the counting period; null for gauges). Replays of p_idempotency_key return the first outcome with duplicate = true.';
grant execute on function api.consume(uuid, text, bigint, text) to ratecard_service, ratecard_admin;
