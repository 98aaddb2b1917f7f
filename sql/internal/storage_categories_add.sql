-- internal.storage_categories_add(): add changes to the per-category figures of tenants
-- (core.storage_categories) and to today's row of their history (core.storage_history:
-- the level now, and the day's peak of bytes). p_deltas is a JSON array of
-- {tenant_id, category, objects, bytes, pending_objects, pending_bytes, oversized}.
-- Called by the statement triggers on core.storage_objects and core.storage_uploads, once
-- per statement, so a batch of a thousand objects costs one upsert per tenant and
-- category. Tenants deleted in the same statement are skipped.
create or replace function internal.storage_categories_add(p_deltas jsonb)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
begin
  with d as (
    select x.tenant_id, x.category, sum(x.objects)::bigint as objects,
           sum(x.bytes)::bigint as bytes, sum(x.pending_objects)::bigint as pending_objects,
           sum(x.pending_bytes)::bigint as pending_bytes, sum(x.oversized)::bigint as oversized
      from jsonb_to_recordset(p_deltas) as x(tenant_id uuid, category text, objects bigint,
                                            bytes bigint, pending_objects bigint,
                                            pending_bytes bigint, oversized bigint)
      join core.tenants t on t.tenant_id = x.tenant_id
     group by x.tenant_id, x.category
  ), up as (
    insert into core.storage_categories as c
      (tenant_id, category, objects, bytes, pending_objects, pending_bytes, oversized_objects,
       updated_at)
    select d.tenant_id, d.category, d.objects, d.bytes, d.pending_objects, d.pending_bytes,
           d.oversized, v_now
      from d
     order by d.tenant_id, d.category
    on conflict (tenant_id, category) do update
       set objects = c.objects + excluded.objects, bytes = c.bytes + excluded.bytes,
           pending_objects = c.pending_objects + excluded.pending_objects,
           pending_bytes = c.pending_bytes + excluded.pending_bytes,
           oversized_objects = c.oversized_objects + excluded.oversized_objects,
           updated_at = excluded.updated_at
    returning c.tenant_id, c.category, c.objects, c.bytes
  )
  insert into core.storage_history as h (tenant_id, day, category, objects, bytes, peak_bytes)
  select up.tenant_id, (v_now at time zone 'UTC')::date, up.category, up.objects, up.bytes,
         up.bytes
    from up
   order by up.tenant_id, up.category
  on conflict (tenant_id, day, category) do update
     set objects = excluded.objects, bytes = excluded.bytes,
         peak_bytes = greatest(h.peak_bytes, excluded.bytes);
end
$$;

comment on function internal.storage_categories_add(jsonb) is
  'Add object, byte and pending changes to core.storage_categories and today''s storage history.';
