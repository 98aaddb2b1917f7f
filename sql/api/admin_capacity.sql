-- api.admin_capacity(): the admin capacity page (GET /admin/capacity) as one JSON
-- document: analytics.platform_health() (status, capacity now, 30-day trends,
-- recommendations) and the capacity snapshots of the last 90 days for the chart.
create or replace function api.admin_capacity()
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return analytics.platform_health() || jsonb_build_object(
    'snapshots', (select coalesce(jsonb_agg(jsonb_build_object(
                           'date', s.snapshot_date, 'tenants_total', s.tenants_total,
                           'tenants_active', s.tenants_active,
                           'storage_bytes', s.storage_bytes, 'db_size_bytes', s.db_size_bytes)
                         order by s.snapshot_date), '[]'::jsonb)
                    from core.capacity_snapshots s
                   where s.snapshot_date > (internal.now() at time zone 'utc')::date - 90));
end
$$;

comment on function api.admin_capacity() is
  'The admin capacity page as one JSON document: the platform health report and 90 days of capacity snapshots.';
grant execute on function api.admin_capacity() to ratecard_admin;
