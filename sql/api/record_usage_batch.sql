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
-- used by api.consume (RC006). The shape is checked here, in one pass over the JSON; the
-- events are then staged in pg_temp.usage_stream and recorded by the same engine as bulk
-- ingestion (internal.merge_usage_stream): keys claimed (a key already present, in the
-- table or earlier in the batch, counts as a duplicate and is skipped), events appended to
-- the ledger, meters bumped once per (tenant, feature, period) in key order (so concurrent
-- batches cannot deadlock on them), soft limits start their grace and threshold crossings
-- go to the outbox. Returns how many events were accepted and how many were duplicates.
create or replace function api.record_usage_batch(p_events jsonb)
returns table (accepted integer, duplicates integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_total integer;
  v_bad record;
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

  select j.idx - 1 as idx, p.problem
    into v_bad
    from jsonb_array_elements(p_events) with ordinality j(ev, idx)
   cross join lateral (
     select case
              when jsonb_typeof(j.ev) <> 'object' then 'event must be a JSON object'
              when j.ev->>'tenant_id' is null then 'tenant_id is required'
              when j.ev->>'tenant_id' !~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
                then 'tenant_id must be a UUID'
              when jsonb_typeof(j.ev->'feature') is distinct from 'string'
                then 'feature must be a string'
              when jsonb_typeof(j.ev->'amount') is distinct from 'number'
                or j.ev->>'amount' !~ '^[0-9]{1,18}$' or (j.ev->>'amount')::bigint = 0
                then 'amount must be a positive whole number'
              when jsonb_typeof(j.ev->'idempotency_key') is distinct from 'string'
                or not internal.idempotency_key_ok(j.ev->>'idempotency_key')
                then 'idempotency_key must be 1 to 255 printable ASCII characters without spaces'
              when j.ev ? 'occurred_at' and jsonb_typeof(j.ev->'occurred_at') <> 'string'
                then 'occurred_at must be an ISO 8601 timestamp string'
              when j.ev ? 'properties' and jsonb_typeof(j.ev->'properties') <> 'object'
                then 'properties must be a JSON object'
            end as problem
   ) p
   where p.problem is not null
   order by j.idx
   limit 1;
  if found then
    raise exception 'event % is invalid: %', v_bad.idx, v_bad.problem
      using errcode = case when v_bad.problem like 'amount%' then 'RC004'
                           when v_bad.problem like 'idempotency_key%' then 'RC019'
                           else 'RC005' end,
            detail = format('index %s', v_bad.idx);
  end if;

  -- Stage the events (one pass over the JSON) and merge them with the same engine as bulk
  -- COPY ingestion: entitlements, RC006, keys, ledger, meters, grace and thresholds.
  perform api.open_usage_stream();
  insert into pg_temp.usage_stream (line, tenant_id, feature, amount, idempotency_key,
                                    occurred_at, properties)
  select x.idx - 1, x.tenant_id, x.feature, x.amount, x.idempotency_key, x.occurred_at,
         x.properties
    from rows from (jsonb_to_recordset(p_events)
                    as (tenant_id uuid, feature text, amount bigint, idempotency_key text,
                        occurred_at timestamptz, properties jsonb))
         with ordinality as x(tenant_id, feature, amount, idempotency_key, occurred_at,
                              properties, idx);
  return query select m.accepted::integer, m.duplicates::integer
                 from internal.merge_usage_stream('event') m;
end
$$;

comment on function api.record_usage_batch(jsonb) is
  'Record a JSON array of usage events (max 10000), each once per idempotency key. Returns accepted and duplicates.';
grant execute on function api.record_usage_batch(jsonb) to ratecard_service, ratecard_admin;
