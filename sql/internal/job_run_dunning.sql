-- internal.job_run_dunning(): the run_dunning job (hourly): api.run_dunning.
-- Result: {"restricted": n}.
create or replace function internal.job_run_dunning(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object('restricted', api.run_dunning());
end
$$;

comment on function internal.job_run_dunning(jsonb) is
  'Job run_dunning: restrict subscriptions past due beyond the dunning grace.';
