-- internal.job_maintain_partitions(): the maintain_partitions job (daily): monthly
-- partitions of the usage ledger from this month to {"months_ahead": n} (default 3)
-- months ahead (internal.maintain_usage_partitions). Result: {"created": n}.
create or replace function internal.job_maintain_partitions(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('created',
    internal.maintain_usage_partitions(coalesce((p_args->>'months_ahead')::integer, 3)));
end
$$;

comment on function internal.job_maintain_partitions(jsonb) is
  'Job maintain_partitions: create the usage ledger''s monthly partitions ahead.';
