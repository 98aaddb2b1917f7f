-- api.reconcile_storage_page(): compare one page of the bucket's listing with the tracked
-- objects, set-based, and fix the drift. The listing comes in S3's order (keys by UTF-8
-- bytes, collation "C"), so a page covers the keys after p_after up to its last key (to
-- the end for the last page, p_final): every tracked object in that range that the page
-- does not hold is gone. Memory stays bounded by the page, whatever the bucket's size.
--
-- p_objects: [{"k": key, "s": size, "m": LastModified}] as list_objects_v2 returned them
-- (keys decoded); p_listed_at: the S3 time of the listing (its Date header), kept on the
-- tombstones of objects found gone.
--
-- Only objects the key layout attributes (tenant and category) take part, on both sides:
--   listed, not tracked              added
--   tracked, not listed              removed (also a tracked key the layout gives to
--                                    another tenant than the one tracking it)
--   both, size or category differ    corrected
--   listed with a pending upload     confirmed, counted at its real size, oversized when
--                                    larger than declared (internal.storage_apply)
--   written since the run started    skipped: newer than the listing (change mark)
-- Listed keys the layout does not attribute are unattributed: counted (per tenant when the
-- key names one, else for the run), a few kept as a sample, never an error. Tracked
-- objects whose keys are outside the layout are not the bucket's to judge: left as they
-- are. In a run for one tenant, only that tenant's objects count.
--
-- The gauge follows unchecked (the bytes are in the bucket): limits, grace and threshold
-- notifications as for api.track_object. A dry run changes nothing but its own counts.
-- Per tenant with drift, a row of core.storage_reconciliation_tenants keeps objects and
-- bytes before, and what was added, removed, corrected. Returns this page's counts.
-- Errors: RC032 (no such run), RC033 (the run is not running), RC005 (p_objects).
create or replace function api.reconcile_storage_page(
  p_reconciliation_id bigint, p_after text, p_objects jsonb, p_final boolean,
  p_listed_at timestamptz default null
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  run core.storage_reconciliations;
  l record;
  v_page jsonb;
  v_hi text;
  v_empty_range boolean;
  v_decisions jsonb;
  v_changes jsonb;
  v_stats record;
  v_unattributed jsonb;
  v_tenants uuid[];
  v_keys text[];
begin
  select * into run from core.storage_reconciliations r where r.id = p_reconciliation_id
     for update;
  if not found then
    raise exception 'no storage reconciliation %', p_reconciliation_id using errcode = 'RC032';
  end if;
  if run.status <> 'running' then
    raise exception 'storage reconciliation % is %', p_reconciliation_id, run.status
      using errcode = 'RC033', hint = 'start a new run';
  end if;
  if p_objects is null or jsonb_typeof(p_objects) <> 'array' then
    raise exception 'a page is a JSON array of {"k", "s", "m"}' using errcode = 'RC005';
  end if;
  select * into l from internal.storage_layout();

  -- The page, attributed. Keys outside the run's prefix cannot be in its listing.
  select coalesce(jsonb_agg(jsonb_build_object(
           'key', x.k, 'size', x.s, 'at', x.m, 'tenant_id', a.tenant_id,
           'category', a.category)), '[]'),
         max(x.k collate "C")
    into v_page, v_hi
    from jsonb_to_recordset(p_objects) as x(k text, s bigint, m timestamptz)
    left join lateral internal.storage_attribute(x.k, l.pattern, l.tenant_first,
                                                 l.category_names) a on true
   where x.k is not null and x.s >= 0;
  v_empty_range := not p_final and v_hi is null;
  if p_final then
    v_hi := null;
  end if;

  -- The keys concerned: the page's attributed objects in scope, and the tracked objects
  -- in the page's range. Lock them all, then decide on what is there under the locks.
  with listed as (
    select x.tenant_id, x.key from jsonb_to_recordset(v_page) as x(tenant_id uuid, key text,
                                                                  category text)
     where x.tenant_id is not null and x.category is not null
       and (run.scope_tenant_id is null or x.tenant_id = run.scope_tenant_id)
  ), ranged as (
    select o.tenant_id, o.object_key as key
      from core.storage_objects o
     where not v_empty_range
       and (o.object_key collate "C") >= (run.prefix collate "C")
       and (p_after is null or (o.object_key collate "C") > (p_after collate "C"))
       and (v_hi is null or (o.object_key collate "C") <= (v_hi collate "C"))
       and starts_with(o.object_key, run.prefix)
       and (run.scope_tenant_id is null or o.tenant_id = run.scope_tenant_id)
  )
  select array_agg(k.tenant_id), array_agg(k.key) into v_tenants, v_keys
    from (select * from listed union select * from ranged) k;
  perform internal.storage_lock_keys(v_tenants, v_keys);

  with listed as (
    select x.tenant_id, x.key, x.category, x.size, x.at
      from jsonb_to_recordset(v_page) as x(tenant_id uuid, key text, category text,
                                          size bigint, at timestamptz)
     where x.tenant_id is not null and x.category is not null
       and (run.scope_tenant_id is null or x.tenant_id = run.scope_tenant_id)
  ), tracked as (
    select o.tenant_id, o.object_key as key, o.size_bytes, o.category, o.change_seq
      from core.storage_objects o
     where not v_empty_range
       and (o.object_key collate "C") >= (run.prefix collate "C")
       and (p_after is null or (o.object_key collate "C") > (p_after collate "C"))
       and (v_hi is null or (o.object_key collate "C") <= (v_hi collate "C"))
       and starts_with(o.object_key, run.prefix)
       and (run.scope_tenant_id is null or o.tenant_id = run.scope_tenant_id)
    union
    select o.tenant_id, o.object_key, o.size_bytes, o.category, o.change_seq
      from listed x
      join core.storage_objects o on o.tenant_id = x.tenant_id and o.object_key = x.key
  ), both_sides as (
    select coalesce(x.tenant_id, t.tenant_id) as tenant_id, coalesce(x.key, t.key) as key,
           x.key is not null as listed, x.category, x.size, x.at,
           t.key is not null as tracked, t.size_bytes as old_size, t.category as old_category,
           greatest(t.change_seq, tb.change_seq) > run.change_mark as changed,
           u.size_bytes as pending_size, u.created_at as pending_created,
           u.change_seq <= run.change_mark as pending_old
      from listed x
      full join tracked t on t.tenant_id = x.tenant_id and t.key = x.key
      left join core.storage_tombstones tb
        on tb.tenant_id = coalesce(x.tenant_id, t.tenant_id)
       and tb.object_key = coalesce(x.key, t.key)
      left join core.storage_uploads u
        on u.tenant_id = coalesce(x.tenant_id, t.tenant_id)
       and u.object_key = coalesce(x.key, t.key)
     -- a tracked object the page does not list takes part only if the layout attributes
     -- its key (the key of a listed one is attributed already: no need to look again)
     where case when x.key is not null then true
                else (select a.tenant_id is not null and a.category is not null
                        from internal.storage_attribute(t.key, l.pattern, l.tenant_first,
                                                        l.category_names) a) end
  ), decided as (
    select b.*,
           coalesce(b.listed and b.pending_old and b.pending_size is not null
                    and (b.at is null or b.at >= b.pending_created - interval '5 minutes'),
                    false) as confirms,
           case
             when b.changed then 'skipped'
             when b.listed and not b.tracked then 'added'
             when b.tracked and not b.listed then 'removed'
             when b.old_size <> b.size or b.old_category <> b.category then 'corrected'
             else 'unchanged'
           end as outcome
      from both_sides b
  )
  select coalesce(jsonb_agg(jsonb_build_object(
           'tenant_id', d.tenant_id, 'key', d.key, 'category', d.category,
           'outcome', d.outcome, 'size', d.size, 'old_size', d.old_size,
           'confirms', d.confirms and d.outcome <> 'skipped',
           'oversized', d.confirms and d.outcome <> 'skipped' and d.size > d.pending_size,
           'at', d.at)) filter (where d.outcome <> 'unchanged' or d.confirms), '[]')
    into v_decisions
    from decided d;

  -- Per tenant with drift: its row, with objects and bytes before this run changed them.
  v_unattributed := (
    select coalesce(jsonb_agg(jsonb_build_object('tenant_id', x.tenant_id, 'key', x.key,
                                                 'size', x.size)), '[]')
      from jsonb_to_recordset(v_page) as x(tenant_id uuid, key text, category text, size bigint)
     where (x.tenant_id is null or x.category is null)
       and (run.scope_tenant_id is null or x.tenant_id = run.scope_tenant_id));

  insert into core.storage_reconciliation_tenants
    (tenant_id, reconciliation_id, objects_before, bytes_before)
  select t.tenant_id, run.id, coalesce(sum(c.objects), 0), coalesce(sum(c.bytes), 0)
    from (select x.tenant_id from jsonb_to_recordset(v_decisions) as x(tenant_id uuid,
                                                                      outcome text)
           where x.outcome <> 'skipped'
          union
          select x.tenant_id from jsonb_to_recordset(v_unattributed) as x(tenant_id uuid)
           where x.tenant_id is not null) t
    left join core.storage_categories c on c.tenant_id = t.tenant_id
   group by t.tenant_id
   order by t.tenant_id
  on conflict do nothing;

  with per_tenant as (
    select coalesce(d.tenant_id, u.tenant_id) as tenant_id,
           coalesce(d.added, 0) as added, coalesce(d.added_bytes, 0) as added_bytes,
           coalesce(d.removed, 0) as removed, coalesce(d.removed_bytes, 0) as removed_bytes,
           coalesce(d.corrected, 0) as corrected,
           coalesce(d.corrected_bytes, 0) as corrected_bytes,
           coalesce(d.confirmed, 0) as confirmed, coalesce(d.oversized, 0) as oversized,
           coalesce(u.unattributed, 0) as unattributed,
           coalesce(u.unattributed_bytes, 0) as unattributed_bytes
      from (select x.tenant_id,
                   count(*) filter (where x.outcome = 'added') as added,
                   coalesce(sum(x.size) filter (where x.outcome = 'added'), 0) as added_bytes,
                   count(*) filter (where x.outcome = 'removed') as removed,
                   coalesce(sum(x.old_size) filter (where x.outcome = 'removed'), 0)
                     as removed_bytes,
                   count(*) filter (where x.outcome = 'corrected') as corrected,
                   coalesce(sum(x.size - x.old_size) filter (where x.outcome = 'corrected'), 0)
                     as corrected_bytes,
                   count(*) filter (where x.confirms) as confirmed,
                   count(*) filter (where x.oversized) as oversized
              from jsonb_to_recordset(v_decisions) as x(tenant_id uuid, outcome text,
                                                        size bigint, old_size bigint,
                                                        confirms boolean, oversized boolean)
             where x.outcome <> 'skipped'
             group by x.tenant_id) d
      full join (select x.tenant_id, count(*) as unattributed,
                        coalesce(sum(x.size), 0) as unattributed_bytes
                   from jsonb_to_recordset(v_unattributed) as x(tenant_id uuid, size bigint)
                  where x.tenant_id is not null
                  group by x.tenant_id) u on u.tenant_id = d.tenant_id
  )
  update core.storage_reconciliation_tenants rt
     set added = rt.added + p.added, added_bytes = rt.added_bytes + p.added_bytes,
         removed = rt.removed + p.removed, removed_bytes = rt.removed_bytes + p.removed_bytes,
         corrected = rt.corrected + p.corrected,
         corrected_bytes = rt.corrected_bytes + p.corrected_bytes,
         confirmed = rt.confirmed + p.confirmed, oversized = rt.oversized + p.oversized,
         unattributed = rt.unattributed + p.unattributed,
         unattributed_bytes = rt.unattributed_bytes + p.unattributed_bytes
    from per_tenant p
   where rt.tenant_id = p.tenant_id and rt.reconciliation_id = run.id;

  -- The fix itself (not in a dry run): the objects and the gauge, in one pass.
  if not run.dry_run then
    select jsonb_agg(jsonb_build_object(
             'tenant_id', x.tenant_id, 'key', x.key, 'category', x.category,
             'present', x.outcome <> 'removed', 'size', x.size,
             'at', case when x.outcome = 'removed' then p_listed_at else x.at end,
             'confirm', x.confirms, 'fresh', false))
      into v_changes
      from jsonb_to_recordset(v_decisions) as x(tenant_id uuid, key text, category text,
                                                outcome text, size bigint, at timestamptz,
                                                confirms boolean)
     where x.outcome <> 'skipped';
    perform internal.storage_apply(v_changes, 'reconciliation');
  end if;

  -- The run's counters and its place in the listing.
  select count(*) filter (where x.outcome = 'added') as added,
         count(*) filter (where x.outcome = 'removed') as removed,
         count(*) filter (where x.outcome = 'corrected') as corrected,
         count(*) filter (where x.confirms) as confirmed,
         count(*) filter (where x.oversized) as oversized,
         count(*) filter (where x.outcome = 'skipped') as skipped
    into v_stats
    from jsonb_to_recordset(v_decisions) as x(outcome text, confirms boolean,
                                              oversized boolean);
  update core.storage_reconciliations r
     set pages = r.pages + 1,
         last_key = coalesce((select max(x.key collate "C")
                                from jsonb_to_recordset(v_page) as x(key text)), r.last_key),
         listed_objects = r.listed_objects + jsonb_array_length(v_page),
         listed_bytes = r.listed_bytes
                        + (select coalesce(sum(x.size), 0)
                             from jsonb_to_recordset(v_page) as x(size bigint)),
         added = r.added + v_stats.added, removed = r.removed + v_stats.removed,
         corrected = r.corrected + v_stats.corrected,
         confirmed = r.confirmed + v_stats.confirmed, oversized = r.oversized + v_stats.oversized,
         skipped = r.skipped + v_stats.skipped,
         unattributed = r.unattributed + jsonb_array_length(v_unattributed),
         unattributed_bytes = r.unattributed_bytes
                              + (select coalesce(sum(x.size), 0)
                                   from jsonb_to_recordset(v_unattributed) as x(size bigint)),
         unattributed_sample = case
           when jsonb_array_length(r.unattributed_sample) >= 20 then r.unattributed_sample
           else r.unattributed_sample
                || coalesce((select jsonb_agg(x.key) from (
                               select y.key from jsonb_to_recordset(v_unattributed) as y(key text)
                                limit 20 - jsonb_array_length(r.unattributed_sample)) x), '[]')
           end,
         updated_at = v_now
   where r.id = run.id;

  return jsonb_build_object(
    'listed', jsonb_array_length(v_page), 'added', v_stats.added,
    'removed', v_stats.removed, 'corrected', v_stats.corrected,
    'confirmed', v_stats.confirmed, 'oversized', v_stats.oversized,
    'skipped', v_stats.skipped, 'unattributed', jsonb_array_length(v_unattributed));
end
$$;

comment on function api.reconcile_storage_page(bigint, text, jsonb, boolean, timestamptz) is
  'Compare one page of the bucket listing with the tracked objects and fix the drift; returns the page''s counts.';
grant execute on function api.reconcile_storage_page(bigint, text, jsonb, boolean, timestamptz)
  to ratecard_service, ratecard_admin;
