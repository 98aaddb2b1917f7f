-- internal.merge_usage_stream(): record the events staged in pg_temp.usage_stream (see
-- api.open_usage_stream) exactly once per idempotency key. The one ingestion engine behind
-- api.merge_usage_stream (bulk COPY) and api.record_usage_batch (JSON), set-based:
--
--   1. row checks, and the entitlement of each distinct (tenant, feature) once: the first
--      bad row by number rejects everything (RC005, RC004, RC019, RC001, RC002, RC009);
--   2. ONE statement claims the keys (first occurrence of each key in the stream; a key
--      already in core.idempotency_keys is a duplicate), appends the ledger rows and bumps
--      each meter once per (tenant, feature, period), keys and meters in key order so that
--      concurrent merges cannot deadlock;
--   3. keys that were duplicates are compared with what they first recorded, and a key
--      repeated in the stream with another feature or amount, or first used by consume,
--      is RC006: the error rolls back everything the transaction wrote;
--   4. meters that passed their limit start their grace period, and crossed thresholds go
--      to the outbox (internal.emit_thresholds, as consume does).
--
-- p_label names a row in errors: 'line' (the stream's own numbers, DETAIL "line n") or
-- 'event' (record_usage_batch: 0-based indexes, DETAIL "index n", shape already checked).
-- Not security definer: its callers are, and run it as the owner. enable_nestloop is off
-- for its statements: the staging table has no statistics, so the planner estimates a
-- handful of rows for every step and could join two thousand-row steps by nested loops
-- (quadratic); hash joins are right at every size here. The lookups that must be nested
-- loops (LATERAL ... LIMIT 1 on a primary key) have no other way to run and keep theirs.
-- jit is off: the penalty enable_nestloop adds to those costs would otherwise make
-- PostgreSQL compile the statement (seconds) for a few milliseconds of work.
create or replace function internal.merge_usage_stream(p_label text)
returns table (accepted bigint, duplicates bigint)
language plpgsql
volatile
set search_path = ''
set enable_nestloop = off
set jit = off
as $$
declare
  v_now timestamptz := internal.now();
  v_bad record;
  v_bad_line bigint;
  v_ent_tenants uuid[];
  v_ent_features text[];
  v_ent_durable boolean[];
  v_ent_reset text[];
  v_ent_anchor timestamptz[];
  v_ent_interval text[];
  v_ent_limit bigint[];
  v_ent_overage text[];
  v_total bigint;
  v_accepted bigint;
  v_dup_tenants uuid[];
  v_dup_keys text[];
  v_tenants uuid[];
  v_features text[];
  v_periods timestamptz[];
  v_durable boolean[];
  v_limits bigint[];
  v_amounts bigint[];
  v_used bigint[];
begin
  -- 1. Rows, then entitlements (once per distinct tenant and feature).
  if p_label = 'line' then
    select s.line, p.problem
      into v_bad
      from pg_temp.usage_stream s
     cross join lateral (
       select case
                when s.tenant_id is null then 'tenant_id is required'
                when s.feature is null then 'feature is required'
                when s.amount is null or s.amount <= 0
                  then 'amount must be a positive whole number'
                when s.idempotency_key is null
                  or not internal.idempotency_key_ok(s.idempotency_key)
                  then 'idempotency_key must be 1 to 255 printable ASCII characters without spaces'
                when s.properties is not null
                  and pg_catalog.jsonb_typeof(s.properties) <> 'object'
                  then 'properties must be a JSON object'
              end as problem
     ) p
     where p.problem is not null
     order by s.line
     limit 1;
    if found then
      raise exception 'line %: %', v_bad.line, v_bad.problem
        using errcode = case when v_bad.problem like 'amount%' then 'RC004'
                             when v_bad.problem like 'idempotency_key%' then 'RC019'
                             else 'RC005' end,
              detail = format('line %s', v_bad.line);
    end if;
  end if;

  -- One primary-key lookup per distinct (tenant, feature): the rows the merge needs, and
  -- the first row whose feature is unknown, not entitled or not metered.
  select min(p.line) filter (where e.kind is distinct from 'metered'),
         array_agg(p.tenant_id), array_agg(p.feature), array_agg(e.durable),
         array_agg(e.reset), array_agg(e.period_anchor), array_agg(e.period_interval),
         array_agg(e.lim), array_agg(e.overage)
    into v_bad_line, v_ent_tenants, v_ent_features, v_ent_durable, v_ent_reset,
         v_ent_anchor, v_ent_interval, v_ent_limit, v_ent_overage
    -- in key order: consecutive lookups touch neighbouring index pages
    from (select s.tenant_id, s.feature, min(s.line) as line
            from pg_temp.usage_stream s group by s.tenant_id, s.feature
           order by s.tenant_id, s.feature) p
    left join lateral (
      select x.kind, x.durable, x.reset, x.period_anchor, x.period_interval, x.overage,
             case when internal.override_live(x.override_enabled, x.override_expires_at, v_now)
                  then x.override_limit else x.base_limit end as lim
        from core.entitlements x
       where x.tenant_id = p.tenant_id and x.feature = p.feature
       limit 1
    ) e on true;
  if v_bad_line is not null then
    select s.tenant_id, s.feature, e.kind into v_bad
      from pg_temp.usage_stream s
      left join core.entitlements e on e.tenant_id = s.tenant_id and e.feature = s.feature
     where s.line = v_bad_line
     limit 1;
    if v_bad.kind is not null then
      raise exception '% %: % is a %, only metered features take recorded usage',
        p_label, v_bad_line, v_bad.feature, v_bad.kind
        using errcode = 'RC009',
              detail = format('%s %s', case when p_label = 'line' then 'line' else 'index' end,
                              v_bad_line);
    end if;
    begin
      perform internal.raise_not_entitled(v_bad.tenant_id, v_bad.feature);
    exception when sqlstate 'RC001' or sqlstate 'RC002' then
      raise exception '% %: %', p_label, v_bad_line, sqlerrm
        using errcode = sqlstate,
              detail = format('%s %s', case when p_label = 'line' then 'line' else 'index' end,
                              v_bad_line);
    end;
  end if;

  -- 2. Claim keys, append the ledger, bump the meters: one statement.
  with d as materialized (
    select distinct on (s.tenant_id, s.idempotency_key)
           s.tenant_id, s.idempotency_key as key, s.feature, s.amount,
           coalesce(s.occurred_at, v_now) as occurred_at,
           coalesce(s.properties, '{}'::jsonb) as properties
      from pg_temp.usage_stream s
     order by s.tenant_id, s.idempotency_key, s.line
  ),
  claimed as (
    insert into core.idempotency_keys as k (tenant_id, key, operation, feature, amount,
                                            allowed, created_at)
    select d.tenant_id, d.key, 'record', d.feature, d.amount, true, v_now from d
    on conflict do nothing
    returning k.tenant_id, k.key
  ),
  ent as (
    select * from unnest(v_ent_tenants, v_ent_features, v_ent_durable, v_ent_reset,
                         v_ent_anchor, v_ent_interval, v_ent_limit, v_ent_overage)
           as u(tenant_id, feature, durable, reset, period_anchor, period_interval, lim,
                overage)
  ),
  fresh as (
    select d.tenant_id, d.key, d.feature, d.amount, d.occurred_at, d.properties, ent.durable,
           ent.lim, ent.overage,
           internal.period_start(ent.reset, ent.period_anchor, ent.period_interval,
                                 d.occurred_at) as ps
      from d
      join claimed c on c.tenant_id = d.tenant_id and c.key = d.key
      join ent on ent.tenant_id = d.tenant_id and ent.feature = d.feature
  ),
  ledger as (
    -- billed: the plan in force bills this feature's usage (reported to Stripe); only
    -- metered features get this far
    insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                   idempotency_key, properties, billed)
    select f.tenant_id, f.feature, f.amount, f.occurred_at, v_now, f.key, f.properties,
           f.overage = 'bill'
      from fresh f
     where f.durable
     -- in the ledger index's order: consecutive insertions touch neighbouring pages
     order by f.tenant_id, f.feature, f.occurred_at
  ),
  sums as materialized (
    select f.tenant_id, f.feature, f.ps, f.durable, max(f.lim) as lim,
           sum(f.amount)::bigint as amount, count(*) as events
      from fresh f
     group by f.tenant_id, f.feature, f.ps, f.durable
  ),
  bumped as (
    insert into core.meters as m (tenant_id, feature, period_start, used, updated_at)
    select s.tenant_id, s.feature, s.ps, s.amount, v_now
      from sums s
     where s.durable
     order by s.tenant_id, s.feature, s.ps
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + excluded.used, updated_at = excluded.updated_at
    returning m.tenant_id, m.feature, m.period_start, m.used
  ),
  vbumped as (
    insert into core.volatile_meters as m (tenant_id, feature, period_start, used, updated_at)
    select s.tenant_id, s.feature, s.ps, s.amount, v_now
      from sums s
     where not s.durable
     order by s.tenant_id, s.feature, s.ps
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + excluded.used, updated_at = excluded.updated_at
    returning m.tenant_id, m.feature, m.period_start, m.used
  ),
  near as (
    -- meters at 80% or more of a limit after this merge: thresholds and grace to look at
    select s.tenant_id, s.feature, s.ps, s.durable, s.lim, s.amount, b.used
      from sums s
      join (select * from bumped union all select * from vbumped) b
        on b.tenant_id = s.tenant_id and b.feature = s.feature and b.period_start = s.ps
     where s.lim is not null and b.used * 100 >= s.lim * 80
  ),
  dup as (
    select d.tenant_id, d.key from d
     where not exists (select from claimed c where c.tenant_id = d.tenant_id and c.key = d.key)
  )
  select (select count(*) from pg_temp.usage_stream),
         (select coalesce(sum(s.events), 0)::bigint from sums s),
         (select array_agg(x.tenant_id) from dup x), (select array_agg(x.key) from dup x),
         n.tenants, n.features, n.periods, n.durable, n.limits, n.amounts, n.used
    into v_total, v_accepted, v_dup_tenants, v_dup_keys, v_tenants, v_features, v_periods,
         v_durable, v_limits, v_amounts, v_used
    from (select array_agg(x.tenant_id) as tenants, array_agg(x.feature) as features,
                 array_agg(x.ps) as periods, array_agg(x.durable) as durable,
                 array_agg(x.lim) as limits, array_agg(x.amount) as amounts,
                 array_agg(x.used) as used
            from near x) n;

  -- 3. A key may repeat (a retried event) only with the same feature and amount, and only
  -- for recorded usage. Checked after the claim, against rows other transactions may just
  -- have committed (this statement's snapshot is newer than the claim's).
  select c.line, c.key into v_bad
    from (
      select max(s.line) as line, s.idempotency_key as key
        from pg_temp.usage_stream s
       group by s.tenant_id, s.idempotency_key
      having min(s.feature) <> max(s.feature) or min(s.amount) <> max(s.amount)
      union all
      select min(s.line), s.idempotency_key
        from unnest(v_dup_tenants, v_dup_keys) u(tenant_id, key)
        join core.idempotency_keys k on k.tenant_id = u.tenant_id and k.key = u.key
        join pg_temp.usage_stream s on s.tenant_id = u.tenant_id and s.idempotency_key = u.key
       where v_dup_keys is not null
         and (k.operation <> 'record' or k.feature <> s.feature or k.amount <> s.amount)
       group by s.tenant_id, s.idempotency_key
    ) c
   order by c.line
   limit 1;
  if found then
    raise exception '% %: idempotency key % was already used for another request',
      p_label, v_bad.line, v_bad.key
      using errcode = 'RC006',
            detail = format('%s %s', case when p_label = 'line' then 'line' else 'index' end,
                            v_bad.line),
            hint = 'a repeated key must carry the same feature and amount';
  end if;

  -- 4. Grace periods and thresholds, for the few meters near or past a limit.
  if v_tenants is not null then
    update core.meters m set over_since = v_now
      from unnest(v_tenants, v_features, v_periods, v_durable, v_limits, v_used)
           as u(tenant_id, feature, period_start, durable, lim, used)
     where u.durable and u.used > u.lim
       and m.tenant_id = u.tenant_id and m.feature = u.feature
       and m.period_start = u.period_start and m.over_since is null;
    update core.volatile_meters m set over_since = v_now
      from unnest(v_tenants, v_features, v_periods, v_durable, v_limits, v_used)
           as u(tenant_id, feature, period_start, durable, lim, used)
     where not u.durable and u.used > u.lim
       and m.tenant_id = u.tenant_id and m.feature = u.feature
       and m.period_start = u.period_start and m.over_since is null;
    perform internal.emit_thresholds(u.tenant_id, u.feature, u.period_start, u.lim,
                                     u.used - u.amount, u.used, v_now)
       from unnest(v_tenants, v_features, v_periods, v_limits, v_amounts, v_used)
            as u(tenant_id, feature, period_start, lim, amount, used)
      where u.lim > 0 and (u.used - u.amount) * 100 < u.lim * 100;
  end if;

  -- Empty the staging table for a later call in the same transaction (a commit empties it
  -- anyway).
  delete from pg_temp.usage_stream;
  return query select v_accepted, v_total - v_accepted;
end
$$;

comment on function internal.merge_usage_stream(text) is
  'Record the events staged in pg_temp.usage_stream once per idempotency key (the ingestion engine).';
