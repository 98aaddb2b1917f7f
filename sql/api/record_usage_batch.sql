-- api.record_usage_batch(): high-volume ingestion of already-happened usage, many events
-- in one call, each exactly once by its idempotency key.
--
-- p_events is a JSON array (at most 10,000) of objects:
--   {"tenant_id": uuid, "feature": text, "amount": positive integer,
--    "idempotency_key": text, "occurred_at": timestamptz (optional),
--    "properties": object (optional)}
-- The whole batch is validated first; any bad event rejects the whole batch (RC005/RC004,
-- RC019 for a key that breaks internal.check_idempotency_key's rule,
-- or RC001/RC002 for an unknown tenant or feature, with the event's index in DETAIL) and
-- nothing is written; so does a key repeated with another feature or amount, or first
-- used by api.consume (RC006). Then keys are claimed (a key already present, in the table
-- or earlier in the batch, counts as a duplicate and is skipped), events are
-- appended to the ledger, meters are bumped once per (tenant, feature, period) in key
-- order (so concurrent batches cannot deadlock on them), soft limits start their grace
-- and threshold crossings go to the outbox. Returns how many events were accepted and
-- how many were duplicates.
create or replace function api.record_usage_batch(p_events jsonb)
returns table (accepted integer, duplicates integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_total integer;
  v_bad record;
  v_accepted integer;
  v_tenants uuid[];
  v_features text[];
  v_periods timestamptz[];
  v_durable boolean[];
  v_overage text[];
  v_limits bigint[];
  v_amounts bigint[];
  v_used bigint[];
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' then
    raise exception 'events must be a JSON array' using errcode = 'RC005';
  end if;
  v_total := jsonb_array_length(p_events);
  if v_total > 10000 then
    raise exception 'at most 10000 events per batch, got %', v_total
      using errcode = 'RC005', hint = 'split the batch';
  end if;
  if v_total = 0 then
    return query select 0, 0;
    return;
  end if;

  select j.idx - 1 as idx,
         case
           when jsonb_typeof(j.ev) <> 'object' then 'event must be a JSON object'
           when j.ev->>'tenant_id' is null then 'tenant_id is required'
           when j.ev->>'tenant_id' !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
             then 'tenant_id must be a UUID'
           when jsonb_typeof(j.ev->'feature') is distinct from 'string' then 'feature must be a string'
           when jsonb_typeof(j.ev->'amount') is distinct from 'number'
             or j.ev->>'amount' !~ '^[0-9]{1,18}$' or (j.ev->>'amount')::bigint = 0
             then 'amount must be a positive whole number'
           when jsonb_typeof(j.ev->'idempotency_key') is distinct from 'string'
             or j.ev->>'idempotency_key' !~ '^[!-~]{1,255}$'
             then 'idempotency_key must be 1 to 255 printable ASCII characters without spaces'
           when j.ev ? 'occurred_at' and jsonb_typeof(j.ev->'occurred_at') <> 'string'
             then 'occurred_at must be an ISO 8601 timestamp string'
           when j.ev ? 'properties' and jsonb_typeof(j.ev->'properties') <> 'object'
             then 'properties must be a JSON object'
         end as problem
    into v_bad
    from jsonb_array_elements(p_events) with ordinality j(ev, idx)
   where jsonb_typeof(j.ev) <> 'object'
      or j.ev->>'tenant_id' is null
      or j.ev->>'tenant_id' !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
      or jsonb_typeof(j.ev->'feature') is distinct from 'string'
      or jsonb_typeof(j.ev->'amount') is distinct from 'number'
      or j.ev->>'amount' !~ '^[0-9]{1,18}$' or (j.ev->>'amount')::bigint = 0
      or jsonb_typeof(j.ev->'idempotency_key') is distinct from 'string'
      or j.ev->>'idempotency_key' !~ '^[!-~]{1,255}$'
      or (j.ev ? 'occurred_at' and jsonb_typeof(j.ev->'occurred_at') <> 'string')
      or (j.ev ? 'properties' and jsonb_typeof(j.ev->'properties') <> 'object')
   order by j.idx
   limit 1;
  if found then
    raise exception 'event % is invalid: %', v_bad.idx, v_bad.problem
      using errcode = case when v_bad.problem like 'amount%' then 'RC004'
                           when v_bad.problem like 'idempotency_key%' then 'RC019'
                           else 'RC005' end,
            detail = format('index %s', v_bad.idx);
  end if;

  select x.idx - 1 as idx, x.tenant_id, x.feature, e.kind into v_bad
    from rows from (jsonb_to_recordset(p_events) as (tenant_id uuid, feature text))
         with ordinality as x(tenant_id, feature, idx)
    left join core.entitlements e on e.tenant_id = x.tenant_id and e.feature = x.feature
   where e.tenant_id is null or e.kind <> 'metered'
   order by x.idx
   limit 1;
  if found then
    if v_bad.kind is not null then
      raise exception 'event %: % is a %, only metered features take recorded usage',
        v_bad.idx, v_bad.feature, v_bad.kind
        using errcode = 'RC009', detail = format('index %s', v_bad.idx);
    end if;
    begin
      perform internal.raise_not_entitled(v_bad.tenant_id, v_bad.feature);
    exception when sqlstate 'RC001' or sqlstate 'RC002' then
      raise exception 'event %: %', v_bad.idx, sqlerrm
        using errcode = sqlstate, detail = format('index %s', v_bad.idx);
    end;
  end if;

  -- A key may repeat (a retried event), but only with the same feature and amount, and not
  -- a key first used by api.consume: anything else is RC006 and rejects the batch.
  with x as (
    select * from rows from (jsonb_to_recordset(p_events)
                             as (tenant_id uuid, feature text, amount bigint,
                                 idempotency_key text))
           with ordinality as x(tenant_id, feature, amount, idempotency_key, idx)
  ),
  clash as (
    select x.idx, x.idempotency_key from x
     where exists (select from core.idempotency_keys k
                    where k.tenant_id = x.tenant_id and k.key = x.idempotency_key
                      and (k.operation <> 'record' or k.feature <> x.feature
                           or k.amount <> x.amount))
    union all
    select max(x.idx), x.idempotency_key from x
     group by x.tenant_id, x.idempotency_key
    having count(distinct (x.feature, x.amount)) > 1
  )
  select c.idx - 1 as idx, c.idempotency_key as key into v_bad
    from clash c
   order by c.idx
   limit 1;
  if found then
    raise exception 'event %: idempotency key % was already used for another request',
      v_bad.idx, v_bad.key
      using errcode = 'RC006', detail = format('index %s', v_bad.idx),
            hint = 'a repeated key must carry the same feature and amount';
  end if;

  -- 1. Claim keys, append the ledger, and sum what is new per (tenant, feature, period).
  with input as (
    select x.tenant_id, x.feature, x.amount, x.idempotency_key as key,
           coalesce(x.occurred_at, v_now) as occurred_at,
           coalesce(x.properties, '{}'::jsonb) as properties, x.idx
      from rows from (jsonb_to_recordset(p_events)
                      as (tenant_id uuid, feature text, amount bigint, idempotency_key text,
                          occurred_at timestamptz, properties jsonb))
           with ordinality as x(tenant_id, feature, amount, idempotency_key, occurred_at,
                                properties, idx)
  ),
  dedup as (
    select distinct on (i.tenant_id, i.key) i.*
      from input i
     order by i.tenant_id, i.key, i.idx
  ),
  claimed as (
    insert into core.idempotency_keys as k (tenant_id, key, operation, feature, amount,
                                            allowed, created_at)
    select d.tenant_id, d.key, 'record', d.feature, d.amount, true, v_now
      from dedup d
     order by d.tenant_id, d.key
    on conflict do nothing
    returning k.tenant_id, k.key
  ),
  fresh as (
    select d.*, e.durable, e.overage,
           internal.period_start(e.reset, e.period_anchor, e.period_interval, d.occurred_at)
             as period_start,
           case when internal.override_live(e.override_enabled, e.override_expires_at, v_now)
                then e.override_limit else e.base_limit end as lim
      from dedup d
      join claimed c on c.tenant_id = d.tenant_id and c.key = d.key
      join core.entitlements e on e.tenant_id = d.tenant_id and e.feature = d.feature
  ),
  ledger as (
    insert into core.usage_events (tenant_id, feature, amount, occurred_at, recorded_at,
                                   idempotency_key, properties, billed)
    select f.tenant_id, f.feature, f.amount, f.occurred_at, v_now, f.key, f.properties,
           f.overage = 'bill'
      from fresh f
     where f.durable
    returning 1
  ),
  sums as (
    select f.tenant_id, f.feature, f.period_start, f.durable, f.overage, max(f.lim) as lim,
           sum(f.amount)::bigint as amount, count(*) as events
      from fresh f
     group by f.tenant_id, f.feature, f.period_start, f.durable, f.overage
  )
  select coalesce(sum(s.events), 0)::integer,
         array_agg(s.tenant_id order by s.tenant_id, s.feature, s.period_start),
         array_agg(s.feature order by s.tenant_id, s.feature, s.period_start),
         array_agg(s.period_start order by s.tenant_id, s.feature, s.period_start),
         array_agg(s.durable order by s.tenant_id, s.feature, s.period_start),
         array_agg(s.overage order by s.tenant_id, s.feature, s.period_start),
         array_agg(s.lim order by s.tenant_id, s.feature, s.period_start),
         array_agg(s.amount order by s.tenant_id, s.feature, s.period_start)
    into v_accepted, v_tenants, v_features, v_periods, v_durable, v_overage, v_limits,
         v_amounts
    from sums s;  -- the ledger CTE runs to completion although nothing reads it

  if v_accepted = 0 then
    return query select 0, v_total;
    return;
  end if;

  -- 2. Bump each meter once, in key order so concurrent batches cannot deadlock.
  with s as (
    select * from unnest(v_tenants, v_features, v_periods, v_durable, v_amounts)
             with ordinality as u(tenant_id, feature, period_start, durable, amount, n)
  ),
  bumped as (
    insert into core.meters as m (tenant_id, feature, period_start, used, updated_at)
    select s.tenant_id, s.feature, s.period_start, s.amount, v_now
      from s where s.durable order by s.n
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + excluded.used, updated_at = v_now
    returning m.tenant_id, m.feature, m.period_start, m.used
  ),
  vbumped as (
    insert into core.volatile_meters as m (tenant_id, feature, period_start, used, updated_at)
    select s.tenant_id, s.feature, s.period_start, s.amount, v_now
      from s where not s.durable order by s.n
    on conflict (tenant_id, feature, period_start) do update
       set used = m.used + excluded.used, updated_at = v_now
    returning m.tenant_id, m.feature, m.period_start, m.used
  )
  select array_agg(b.used order by s.n)
    into v_used
    from (select * from bumped union all select * from vbumped) b
    join s on s.tenant_id = b.tenant_id and s.feature = b.feature
          and s.period_start = b.period_start;

  -- 3. Meters that have just passed their limit start their grace period (as in consume).
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

  -- 4. Thresholds crossed by this batch.
  perform internal.emit_thresholds(u.tenant_id, u.feature, u.period_start, u.lim,
                                   u.used - u.amount, u.used, v_now)
     from unnest(v_tenants, v_features, v_periods, v_limits, v_amounts, v_used)
          as u(tenant_id, feature, period_start, lim, amount, used)
    where u.lim > 0 and u.used * 100 >= u.lim * 80 and (u.used - u.amount) * 100 < u.lim * 100;

  return query select v_accepted, v_total - v_accepted;
end
$$;

comment on function api.record_usage_batch(jsonb) is
  'Record a JSON array of usage events (max 10000), each once per idempotency key. Returns accepted and duplicates.';
grant execute on function api.record_usage_batch(jsonb) to ratecard_service, ratecard_admin;
