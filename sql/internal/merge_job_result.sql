-- internal.merge_job_result(): a run's result summary after one more step (a SQL job's
-- batch) or its end: numbers add up (rows deleted in each batch), anything else is the
-- newest value. The step's own `more` flag is not kept.
create or replace function internal.merge_job_result(p_old jsonb, p_new jsonb)
returns jsonb
language sql
immutable
parallel safe
as $$
  select coalesce(pg_catalog.jsonb_object_agg(k,
           case when pg_catalog.jsonb_typeof(p_old->k) = 'number'
                 and pg_catalog.jsonb_typeof(p_new->k) = 'number'
                then pg_catalog.to_jsonb((p_old->>k)::numeric + (p_new->>k)::numeric)
                else coalesce(p_new->k, p_old->k) end), '{}')
    from (select pg_catalog.jsonb_object_keys(coalesce(p_old, '{}')) as k
          union
          select pg_catalog.jsonb_object_keys(
                   case when pg_catalog.jsonb_typeof(p_new) = 'object' then p_new - 'more'
                        else '{}' end)) keys
$$;

comment on function internal.merge_job_result(jsonb, jsonb) is
  'Result summary of a run after another step: numbers add up, other values are replaced.';
revoke execute on function internal.merge_job_result(jsonb, jsonb) from public;
