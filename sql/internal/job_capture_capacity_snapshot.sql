-- internal.job_capture_capacity_snapshot(): the capture_capacity_snapshot job (daily):
-- api.capture_capacity_snapshot records today's capacity row (again the same day: replaces
-- it), which trends and recommendations read (docs/analytics.md).
-- Result: {"snapshot_date": ..., "tenants_total": n}.
create or replace function internal.job_capture_capacity_snapshot(p_args jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  r record;
begin
  select * into r from api.capture_capacity_snapshot();
  return pg_catalog.jsonb_build_object('snapshot_date', r.snapshot_date,
                                       'tenants_total', r.tenants_total);
end
$$;

comment on function internal.job_capture_capacity_snapshot(jsonb) is
  'Job capture_capacity_snapshot: record today''s platform capacity row.';
