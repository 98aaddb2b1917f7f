-- internal.job_maintain_partitions(): the maintain_partitions job (daily): monthly
-- partitions of the usage ledger from this month to {"months_ahead": 3} months ahead
-- (internal.maintain_usage_partitions), then months past the longest retention of any
-- tenant ({"feature": "data_retention_days"}) detached and dropped, one per step so each
-- drop is its own short transaction (internal.drop_expired_usage_partitions). Result:
-- {"created": n, "dropped": n, "partitions_dropped": [names of the last step]}.
create or replace function internal.job_maintain_partitions(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_feature text := coalesce(p_args->>'feature', 'data_retention_days');
  v_created integer :=
    internal.maintain_usage_partitions(coalesce((p_args->>'months_ahead')::integer, 3));
  v_dropped text[] := internal.drop_expired_usage_partitions(v_feature, 1);
begin
  return pg_catalog.jsonb_build_object(
    'created', v_created,
    'dropped', coalesce(pg_catalog.array_length(v_dropped, 1), 0),
    'partitions_dropped', pg_catalog.to_jsonb(v_dropped),
    'more', coalesce(pg_catalog.array_length(v_dropped, 1), 0) > 0);
end
$$;

comment on function internal.job_maintain_partitions(jsonb) is
  'Job maintain_partitions: partitions ahead; months past every retention dropped.';
