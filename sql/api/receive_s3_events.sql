-- api.receive_s3_events(): apply an S3 event notification (its Records[], as S3 sends them
-- to SNS, SQS, Lambda or a webhook relay) to the tracked objects, all records in this one
-- call and one transaction.
--
-- Each record: eventName, s3.bucket.name, s3.object.key (URL-encoded, '+' for a space),
-- s3.object.size (ObjectCreated), s3.object.sequencer, eventTime.
--   ObjectCreated:*                                         the object exists with its size
--   ObjectRemoved:Delete, ObjectRemoved:DeleteMarkerCreated,
--   LifecycleExpiration:Delete, :DeleteMarkerCreated         the object is gone
--   anything else (restores, replication, s3:TestEvent)     ignored
-- Records of another bucket than p_bucket (when given) are ignored; records without a key
-- or a hexadecimal sequencer, or a created object without a size, are invalid (counted,
-- skipped); keys the key layout does not attribute to a tenant and category are
-- unattributed (counted, skipped). None of these is an error.
--
-- Ordered per key by the sequencer, as S3 documents it (internal.sequencer_cmp): of the
-- records of one key, only the latest counts; it applies only if it is later than what is
-- known for the key (the stored object's or the tombstone's sequencer; without one, the
-- S3 time of the version known, from an earlier listing); an equal sequencer is a
-- duplicate and an earlier one stale. So repeated deliveries change nothing and an older
-- event never overwrites a newer one, whatever the order they arrive in. A created object
-- confirms the tenant's pending upload of that key (internal.storage_apply): counted at
-- its real size, flagged oversized if larger than declared.
--
-- The gauge follows unchecked (the bytes are in the bucket), with grace and thresholds
-- as for api.track_object. RC021 when the body is not an event notification (no Records
-- array; a notification without Records, such as s3:TestEvent, is fine and changes
-- nothing). A key whose decoded bytes are not UTF-8 makes its record invalid.
create or replace function api.receive_s3_events(p_notification jsonb, p_bucket text default null)
returns table (
  received integer, applied integer, duplicates integer, stale integer, unattributed integer,
  ignored integer, invalid integer, confirmed integer, oversized integer
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  l record;
  v_records jsonb;
  v_recs jsonb;
  v_changes jsonb;
  v_applied integer := 0;
  v_duplicates integer := 0;
  v_stale integer := 0;
  v_confirmed integer := 0;
  v_oversized integer := 0;
begin
  if p_notification is null or jsonb_typeof(p_notification) <> 'object'
     or not (p_notification ? 'Records' or p_notification ? 'Event')
     or (p_notification ? 'Records' and jsonb_typeof(p_notification -> 'Records') <> 'array')
  then
    raise exception 'not an S3 event notification'
      using errcode = 'RC021', hint = 'a JSON object with a Records array, as S3 sends it';
  end if;
  v_records := coalesce(p_notification -> 'Records', '[]');
  select * into l from internal.storage_layout();

  -- Classify every record and attribute its key.
  select coalesce(jsonb_agg(jsonb_build_object(
           'n', r.n,
           'kind', case
             when jsonb_typeof(r.rec) <> 'object' then 'invalid'
             when p_bucket is not null and r.bucket is distinct from p_bucket then 'ignored'
             when r.op is null then 'ignored'
             when r.key is null or r.seq is null or r.seq !~ '^[0-9A-Fa-f]{1,64}$'
                  or (r.op = 'put' and r.size is null) then 'invalid'
             when a.tenant_id is null or a.category is null then 'unattributed'
             else r.op end,
           'tenant_id', a.tenant_id, 'key', r.key, 'category', a.category, 'size', r.size,
           'sequencer', upper(r.seq), 'at', r.at)), '[]')
    into v_recs
    from (
      select e.n, e.rec, e.rec #>> '{s3,bucket,name}' as bucket,
             case when e.rec ->> 'eventName' like 'ObjectCreated:%' then 'put'
                  when e.rec ->> 'eventName' in ('ObjectRemoved:Delete',
                                                 'ObjectRemoved:DeleteMarkerCreated',
                                                 'LifecycleExpiration:Delete',
                                                 'LifecycleExpiration:DeleteMarkerCreated')
                    then 'remove' end as op,
             internal.url_decode(e.rec #>> '{s3,object,key}') as key,
             case when (e.rec #>> '{s3,object,size}') ~ '^[0-9]{1,18}$'
                  then (e.rec #>> '{s3,object,size}')::bigint end as size,
             e.rec #>> '{s3,object,sequencer}' as seq,
             internal.s3_time(e.rec ->> 'eventTime') as at
        from jsonb_array_elements(v_records) with ordinality as e(rec, n)
    ) r
    left join lateral internal.storage_attribute(r.key, l.pattern, l.tenant_first,
                                                 l.category_names) a on true;

  -- Lock the keys, then judge each key's latest record against what is known.
  perform internal.storage_lock_keys(array_agg(x.tenant_id), array_agg(x.key))
     from jsonb_to_recordset(v_recs) as x(kind text, tenant_id uuid, key text)
    where x.kind in ('put', 'remove');

  with recs as (
    select x.*, internal.sequencer_sort_key(x.sequencer) as sort_key
      from jsonb_to_recordset(v_recs) as x(n integer, kind text, tenant_id uuid, key text,
                                           category text, size bigint, sequencer text,
                                           at timestamptz)
     where x.kind in ('put', 'remove')
  ), ranked as (
    select r.*,
           row_number() over w as pos,
           first_value(r.sort_key) over w as top_key
      from recs r
    window w as (partition by r.tenant_id, r.key order by r.sort_key desc, r.n desc)
  ), judged as (
    select r.*,
           case
             when r.pos > 1 then case when r.sort_key = r.top_key then 'duplicate' else 'stale' end
             when coalesce(o.sequencer, t.sequencer) is not null
               then case internal.sequencer_cmp(r.sequencer, coalesce(o.sequencer, t.sequencer))
                      when 1 then 'apply' when 0 then 'duplicate' else 'stale' end
             when r.at < coalesce(o.modified_at, t.removed_at) then 'stale'
             else 'apply'
           end as verdict
      from ranked r
      left join core.storage_objects o
        on r.pos = 1 and o.tenant_id = r.tenant_id and o.object_key = r.key
      left join core.storage_tombstones t
        on r.pos = 1 and t.tenant_id = r.tenant_id and t.object_key = r.key
  )
  select jsonb_agg(jsonb_build_object(
           'tenant_id', j.tenant_id, 'key', j.key, 'category', j.category,
           'present', j.kind = 'put', 'size', j.size, 'sequencer', j.sequencer, 'at', j.at,
           'confirm', true, 'fresh', true)) filter (where j.verdict = 'apply'),
         count(*) filter (where j.verdict = 'apply'),
         count(*) filter (where j.verdict = 'duplicate'),
         count(*) filter (where j.verdict = 'stale')
    into v_changes, v_applied, v_duplicates, v_stale
    from judged j;

  select count(*) filter (where x.confirmed), count(*) filter (where x.oversized)
    into v_confirmed, v_oversized
    from internal.storage_apply(v_changes, 's3_event') x;

  return query
    select jsonb_array_length(v_records), v_applied, v_duplicates, v_stale,
           count(*) filter (where x.kind = 'unattributed')::integer,
           count(*) filter (where x.kind = 'ignored')::integer,
           count(*) filter (where x.kind = 'invalid')::integer,
           v_confirmed, v_oversized
      from jsonb_to_recordset(v_recs) as x(kind text);
end
$$;

comment on function api.receive_s3_events(jsonb, text) is
  'Apply an S3 event notification (Records[]): per key in sequencer order, idempotent; returns counts.';
grant execute on function api.receive_s3_events(jsonb, text) to ratecard_service, ratecard_admin;
