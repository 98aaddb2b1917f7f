-- internal.storage_apply(): apply a set of facts about objects in the bucket, as reported
-- by S3 events or found by the reconciliation, to the tracked objects and the
-- storage_bytes gauge, in one pass. Each change (a JSON array element) is one object,
-- at most one per (tenant_id, key):
--   tenant_id, key, category      the object (attributed by the key layout)
--   present                       true: the object exists with `size` bytes; false: it is gone
--   sequencer, at                 S3's ordering of the change, when known (the event's
--                                 sequencer and eventTime, or the listing's LastModified
--                                 or the listing's own time for a gone object)
--   confirm                       a present object confirms the tenant's pending upload of
--                                 that key, unless the object is older than the upload
--                                 (`at` more than 5 minutes before it was asked for: an
--                                 earlier version); its declared size is kept and a larger
--                                 object is flagged oversized
--   fresh                         a new version (events): the declared size of an earlier
--                                 upload no longer applies
-- The gauge counts, per key, the larger of the stored object and a pending upload (the
-- reservation): a change moves the gauge by the difference, per tenant and unchecked
-- (internal.storage_gauge_add, source p_source), before the objects are written.
-- The caller has taken the objects' locks (internal.storage_lock_keys) before it read the
-- state it based its decision on; they are taken again here, which costs nothing.
-- An object keeps the newest ordering known for its key (the change's, else the stored
-- object's, else its tombstone's), and a removed key keeps it in its tombstone.
-- Returns, per change, what happened: added, removed, corrected (size or category),
-- unchanged; the bytes it counted before and after; confirmed; oversized.
create or replace function internal.storage_apply(p_changes jsonb, p_source text)
returns table (
  tenant_id uuid, object_key text, outcome text, bytes_before bigint, bytes_after bigint,
  confirmed boolean, oversized boolean
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_plan jsonb;
  r record;
begin
  if p_changes is null or jsonb_array_length(p_changes) = 0 then
    return;
  end if;
  perform internal.storage_lock_keys(array_agg(c.tenant_id), array_agg(c.key))
     from jsonb_to_recordset(p_changes) as c(tenant_id uuid, key text);

  with c as (
    select c.*, o.size_bytes as o_size, o.category as o_category,
           o.declared_bytes as o_declared, u.size_bytes as u_size, u.created_at as u_created,
           coalesce(upper(c.sequencer), o.sequencer, t.sequencer) as seq_out,
           coalesce(c.at, o.modified_at, t.removed_at) as at_out
      from jsonb_to_recordset(p_changes) as c(tenant_id uuid, key text, category text,
                                             present boolean, size bigint, sequencer text,
                                             at timestamptz, confirm boolean, fresh boolean)
      left join core.storage_objects o
        on o.tenant_id = c.tenant_id and o.object_key = c.key
      left join core.storage_uploads u
        on u.tenant_id = c.tenant_id and u.object_key = c.key
      left join core.storage_tombstones t
        on t.tenant_id = c.tenant_id and t.object_key = c.key
  ), d as (
    select c.*,
           coalesce(c.present and c.confirm and c.u_size is not null
                    and (c.at is null or c.at >= c.u_created - interval '5 minutes'), false)
             as confirms
      from c
  ), p as (
    select d.*,
           greatest(coalesce(d.o_size, 0), coalesce(d.u_size, 0)) as before_bytes,
           greatest(case when d.present then d.size else 0 end,
                    case when d.confirms then 0 else coalesce(d.u_size, 0) end) as after_bytes,
           case when d.confirms then d.u_size
                when d.fresh then null
                else d.o_declared end as declared
      from d
  )
  select jsonb_agg(jsonb_build_object(
           'tenant_id', p.tenant_id, 'key', p.key, 'category', p.category,
           'present', p.present, 'size', p.size, 'sequencer', p.seq_out, 'at', p.at_out,
           'confirms', p.confirms, 'declared', p.declared,
           'before', p.before_bytes, 'after', p.after_bytes,
           'outcome', case when p.present and p.o_size is null then 'added'
                           when not p.present and p.o_size is not null then 'removed'
                           when p.present and (p.o_size <> p.size
                                               or p.o_category <> p.category) then 'corrected'
                           else 'unchanged' end,
           'oversized', coalesce(p.present and p.size > p.declared, false)))
    into v_plan
    from p;

  -- The gauge first, tenant by tenant in order (locks: object, meter, then category rows).
  for r in
    select x.tenant_id, sum(x.after - x.before)::bigint as delta
      from jsonb_to_recordset(v_plan) as x(tenant_id uuid, before bigint, after bigint)
     group by x.tenant_id
    having sum(x.after - x.before) <> 0
     order by x.tenant_id
  loop
    perform internal.storage_gauge_add(r.tenant_id, r.delta, p_source);
  end loop;

  delete from core.storage_uploads u
   using jsonb_to_recordset(v_plan) as x(tenant_id uuid, key text, confirms boolean)
   where x.confirms and u.tenant_id = x.tenant_id and u.object_key = x.key;

  insert into core.storage_objects as o
    (tenant_id, object_key, size_bytes, category, created_at, updated_at, declared_bytes,
     sequencer, modified_at)
  select x.tenant_id, x.key, x.size, x.category, v_now, v_now, x.declared, x.sequencer, x.at
    from jsonb_to_recordset(v_plan) as x(tenant_id uuid, key text, category text,
                                         present boolean, size bigint, sequencer text,
                                         at timestamptz, declared bigint)
   where x.present
   order by x.tenant_id, x.key
  on conflict on constraint storage_objects_pkey do update
     set size_bytes = excluded.size_bytes, category = excluded.category,
         updated_at = excluded.updated_at, declared_bytes = excluded.declared_bytes,
         sequencer = excluded.sequencer, modified_at = excluded.modified_at;

  delete from core.storage_objects o
   using jsonb_to_recordset(v_plan) as x(tenant_id uuid, key text, present boolean)
   where not x.present and o.tenant_id = x.tenant_id and o.object_key = x.key;

  insert into core.storage_tombstones as t
    (tenant_id, object_key, sequencer, removed_at, recorded_at)
  select x.tenant_id, x.key, x.sequencer, x.at, v_now
    from jsonb_to_recordset(v_plan) as x(tenant_id uuid, key text, present boolean,
                                         sequencer text, at timestamptz)
   where not x.present
   order by x.tenant_id, x.key
  on conflict on constraint storage_tombstones_pkey do update
     set sequencer = excluded.sequencer, removed_at = excluded.removed_at,
         recorded_at = excluded.recorded_at;

  delete from core.storage_tombstones t
   using jsonb_to_recordset(v_plan) as x(tenant_id uuid, key text, present boolean)
   where x.present and t.tenant_id = x.tenant_id and t.object_key = x.key;

  return query
    select x.tenant_id, x.key, x.outcome, x.before, x.after, x.confirms, x.oversized
      from jsonb_to_recordset(v_plan) as x(tenant_id uuid, key text, outcome text,
                                           before bigint, after bigint, confirms boolean,
                                           oversized boolean);
end
$$;

comment on function internal.storage_apply(jsonb, text) is
  'Apply facts about objects (present with a size, or gone) to tracked objects and storage_bytes, unchecked.';
