-- analytics.capacity_snapshots: the daily capacity snapshots (api.capture_capacity_snapshot).
create or replace view analytics.capacity_snapshots
with (security_invoker = true)
as
  select s.snapshot_date, s.captured_at, s.tenants_total, s.tenants_active, s.tenants_trialing,
         s.subscriptions_by_status, s.tier_distribution, s.features, s.storage_bytes,
         s.db_size_bytes
    from core.capacity_snapshots s;

comment on view analytics.capacity_snapshots is 'Daily platform capacity snapshots.';
grant select on analytics.capacity_snapshots to ratecard_admin;
