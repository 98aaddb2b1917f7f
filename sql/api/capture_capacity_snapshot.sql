-- api.capture_capacity_snapshot(): store today's capacity (api.measure_capacity) as the
-- day's row of core.capacity_snapshots. One row per day (UTC): capturing again the same day
-- replaces it, so the daily schedule and a capture by hand never make two. Growth trends
-- and scaling recommendations read these rows.
create or replace function api.capture_capacity_snapshot()
returns table (snapshot_date date, captured_at timestamptz, tenants_total integer)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  c jsonb := api.measure_capacity();
  v_now timestamptz := internal.now();
begin
  return query
  insert into core.capacity_snapshots as s
    (snapshot_date, captured_at, tenants_total, tenants_active, tenants_trialing,
     subscriptions_by_status, tier_distribution, features, storage_bytes, db_size_bytes)
  values ((v_now at time zone 'UTC')::date, v_now, (c->>'tenants_total')::integer,
          (c->>'tenants_active')::integer, (c->>'tenants_trialing')::integer,
          c->'subscriptions_by_status', c->'tier_distribution', c->'features',
          (c->>'storage_bytes')::bigint, (c->>'db_size_bytes')::bigint)
  on conflict on constraint capacity_snapshots_pkey do update set
    captured_at = excluded.captured_at, tenants_total = excluded.tenants_total,
    tenants_active = excluded.tenants_active, tenants_trialing = excluded.tenants_trialing,
    subscriptions_by_status = excluded.subscriptions_by_status,
    tier_distribution = excluded.tier_distribution, features = excluded.features,
    storage_bytes = excluded.storage_bytes, db_size_bytes = excluded.db_size_bytes
  returning s.snapshot_date, s.captured_at, s.tenants_total;
end
$$;

comment on function api.capture_capacity_snapshot() is
  'Store today''s capacity snapshot (one row per day; a second capture replaces it).';
grant execute on function api.capture_capacity_snapshot() to ratecard_admin;
