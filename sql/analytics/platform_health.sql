-- analytics.platform_health(): the full platform health report (seed 003) as one JSON
-- object: the overall status (the most severe recommendation: critical, warning or ok),
-- capacity now (api.measure_capacity), the latest snapshot's date, 30-day growth trends
-- and the scaling recommendations.
create or replace function analytics.platform_health()
returns jsonb
language sql
stable
set search_path = ''
as $$
  with r as (select * from analytics.scaling_recommendations)
  select jsonb_build_object(
    'status', coalesce((select min(r.severity) filter (where r.severity = 'critical') from r),
                       (select min(r.severity) filter (where r.severity = 'warning') from r),
                       'ok'),
    'capacity', api.measure_capacity(),
    'latest_snapshot_date', (select max(s.snapshot_date) from core.capacity_snapshots s),
    'trends', coalesce((select jsonb_object_agg(g.metric, to_jsonb(g) - 'metric')
                          from analytics.growth_trends(30) g), '{}'),
    'recommendations', coalesce((select jsonb_agg(to_jsonb(r)) from r), '[]'))
$$;

comment on function analytics.platform_health() is
  'Platform health report: status, capacity now, latest snapshot, 30-day trends, recommendations.';
grant execute on function analytics.platform_health() to ratecard_admin;
