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
-- The common call (a positive amount, no key, a meter row already there for the period) is
-- ONE statement: an UPDATE of the meter joined to the entitlement row whose WHERE clause
-- is internal.usage_allows() (PostgreSQL re-evaluates it on the newest row version after
-- waiting for a concurrent writer, the same guarantee as the upsert below), with the
-- ledger row appended by the same statement. Anything else (a key, the first call of a
-- period, a denial, a release, a rate limit in core.volatile_meters, an error) takes the
-- general path below, which decides with an upsert.
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
  p_idempotency_key text default null,
  out allowed boolean, out duplicate boolean, out used bigint, out "limit" bigint,
  out remaining bigint, out state text, out resets_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz;
  e core.entitlements;
  k core.idempotency_keys;
  f record;
  v_enabled boolean;
  v_period timestamptz;
  v_old bigint;
  v_over timestamptz;
begin
  if p_amount is null or p_amount = 0 then
    raise exception 'amount must be a non-zero whole number'
      using errcode = 'RC004', hint = 'consume a positive amount; gauges may release with a negative one';
  end if;

  if p_amount > 0 and p_idempotency_key is null then
    -- The fast path: one statement decides, counts and appends to the ledger.
    with x as (
      select en.tenant_id, en.feature, en.kind, en.reset, en.period_anchor, en.period_interval,
             en.overage, en.buffer_pct, en.grace, o.now,
             internal.period_start(en.reset, en.period_anchor, en.period_interval, o.now) as ps,
             case when o.live then en.override_enabled else en.base_enabled end as enabled,
             case when o.live then en.override_limit else en.base_limit end as lim
        from core.entitlements en
       cross join lateral (
         select n.now, internal.override_live(en.override_enabled, en.override_expires_at,
                                              n.now) as live
           from (select internal.now() as now) n
       ) o
       where en.tenant_id = p_tenant_id and en.feature = p_feature and en.durable
         and en.kind <> 'switch'
      offset 0
    ),
    bumped as (
      update core.meters m
         set used = m.used + p_amount,
             over_since = case when m.used + p_amount > x.lim
                               then coalesce(m.over_since, x.now) end,
             updated_at = x.now
        from x
       -- Keyed by x's columns only, so the meter is found by its whole primary key once
       -- the entitlement row is read (not by tenant and feature across all its periods).
       where m.tenant_id = x.tenant_id and m.feature = x.feature and m.period_start = x.ps
         and internal.usage_allows(x.enabled, x.lim, m.used, p_amount, x.overage,
                                   x.buffer_pct, m.over_since, x.grace, x.now)
      returning m.used, m.over_since, x.*
    ),
    ledger as (
      -- billed: the plan in force bills this feature's usage (reported to Stripe)
      insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                     billed)
      select p_tenant_id, p_feature, p_amount, b.now, b.now,
             b.overage = 'bill' and b.kind = 'metered'
        from bumped b
    )
    select * into f from bumped;
    if found then
      allowed := true;
      duplicate := false;
      used := f.used;
      "limit" := f.lim;
      remaining := case when f.lim is not null then greatest(f.lim - f.used, 0) end;
      state := internal.usage_state(true, f.lim, f.used, f.overage, f.buffer_pct,
                                    f.over_since, f.grace, f.now);
      resets_at := internal.period_end(f.reset, f.ps, f.period_interval, f.period_anchor);
      if internal.crosses_threshold(f.lim, f.used - p_amount, f.used) then
        perform internal.emit_thresholds(
          p_tenant_id, p_feature,
          case when f.kind = 'gauge'
               then pg_catalog.date_trunc('month', f.now at time zone 'UTC') at time zone 'UTC'
               else f.ps end,
          f.lim, f.used - p_amount, f.used, f.now);
      end if;
      return;
    end if;
  end if;

  -- The general path.
  v_now := internal.now();
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
      allowed := k.allowed;
      duplicate := true;
      used := k.used;
      "limit" := k.limit_value;
      remaining := k.remaining;
      state := k.state;
      resets_at := k.resets_at;
      return;
    end if;
  end if;

  if internal.override_live(e.override_enabled, e.override_expires_at, v_now) then
    v_enabled := e.override_enabled;
    "limit" := e.override_limit;
  else
    v_enabled := e.base_enabled;
    "limit" := e.base_limit;
  end if;
  v_period := internal.period_start(e.reset, e.period_anchor, e.period_interval, v_now);
  resets_at := internal.period_end(e.reset, v_period, e.period_interval, e.period_anchor);

  if p_amount < 0 then
    -- Release (gauges only): lock the row, never go below zero, record what was released.
    select m.used into v_old from core.meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period
       for update;
    v_old := coalesce(v_old, 0);
    used := greatest(v_old + p_amount, 0);
    if v_old > 0 then
      update core.meters m
         set used = consume.used,
             over_since = case when consume."limit" is not null and consume.used > consume."limit"
                               then m.over_since end,
             updated_at = v_now
       where m.tenant_id = p_tenant_id and m.feature = p_feature
         and m.period_start = v_period
      returning m.over_since into v_over;
      insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                     idempotency_key)
      values (p_tenant_id, p_feature, consume.used - v_old, v_now, v_now, p_idempotency_key);
    end if;
    allowed := true;
  elsif e.durable then
    insert into core.meters as m (tenant_id, feature, period_start, used, over_since, updated_at)
    select p_tenant_id, p_feature, v_period, p_amount,
           case when p_amount > consume."limit" then v_now end, v_now
     where internal.usage_allows(v_enabled, consume."limit", 0, p_amount, e.overage,
                                 e.buffer_pct, null, e.grace, v_now)
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + p_amount,
           over_since = case when m.used + p_amount > consume."limit"
                             then coalesce(m.over_since, v_now) end,
           updated_at = v_now
     where internal.usage_allows(v_enabled, consume."limit", m.used, p_amount, e.overage,
                                 e.buffer_pct, m.over_since, e.grace, v_now)
    returning m.used, m.over_since into used, v_over;
    allowed := found;
    if allowed then
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
           case when p_amount > consume."limit" then v_now end, v_now
     where internal.usage_allows(v_enabled, consume."limit", 0, p_amount, e.overage,
                                 e.buffer_pct, null, e.grace, v_now)
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + p_amount,
           over_since = case when m.used + p_amount > consume."limit"
                             then coalesce(m.over_since, v_now) end,
           updated_at = v_now
     where internal.usage_allows(v_enabled, consume."limit", m.used, p_amount, e.overage,
                                 e.buffer_pct, m.over_since, e.grace, v_now)
    returning m.used, m.over_since into used, v_over;
    allowed := found;
  end if;

  if allowed then
    v_old := used - p_amount;
    if internal.crosses_threshold("limit", v_old, used) then
      perform internal.emit_thresholds(
        p_tenant_id, p_feature,
        case when e.kind = 'gauge'
             then pg_catalog.date_trunc('month', v_now at time zone 'UTC') at time zone 'UTC'
             else v_period end,
        "limit", v_old, used, v_now);
    end if;
  elsif e.durable then
    select m.used, m.over_since into used, v_over from core.meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  else
    select m.used, m.over_since into used, v_over from core.volatile_meters m
     where m.tenant_id = p_tenant_id and m.feature = p_feature and m.period_start = v_period;
  end if;

  used := coalesce(used, 0);
  duplicate := false;
  remaining := case when "limit" is not null then greatest("limit" - used, 0) end;
  state := internal.usage_state(v_enabled, "limit", used, e.overage, e.buffer_pct, v_over,
                                e.grace, v_now);
  if p_idempotency_key is not null then
    update core.idempotency_keys x
       set allowed = consume.allowed, used = consume.used, limit_value = consume."limit",
           remaining = consume.remaining, state = consume.state, resets_at = consume.resets_at
     where x.tenant_id = p_tenant_id and x.key = p_idempotency_key;
  end if;
end
$$;

comment on function api.consume(uuid, text, bigint, text) is
  'Atomically check the limit and record p_amount of p_feature for a tenant. Returns allowed, duplicate, used, limit, remaining, state and resets_at (end of the counting period; null for gauges). Replays of p_idempotency_key return the first outcome with duplicate = true.';
grant execute on function api.consume(uuid, text, bigint, text) to ratecard_service, ratecard_admin;
