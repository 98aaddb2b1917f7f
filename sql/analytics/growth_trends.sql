-- analytics.growth_trends(): how each capacity metric moved over the last p_days days
-- (seed 004), from the first snapshot in the window to the latest one: start and current
-- value, change, growth_percent (change / start x 100, 2 places; null from 0), the daily
-- growth rate (growth_percent / days between the two snapshots, 3 places) and a projection
-- 30 days on at that rate (current x (1 + growth_percent / 100 x 30 / days), rounded).
-- Metrics: tenants_total, tenants_active, tenants_trialing, subscriptions, storage_bytes,
-- db_size_bytes and every feature's usage (feature.<code>).
create or replace function analytics.growth_trends(p_days integer default 30)
returns table (
  metric text, start_date date, end_date date, days integer, snapshots integer,
  start_value numeric, current_value numeric, change numeric, growth_percent numeric,
  daily_growth_rate numeric, monthly_projection numeric
)
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_days is null or p_days not between 1 and 3650 then
    raise exception 'days must be 1 to 3650, got %', p_days using errcode = 'RC005';
  end if;
  return query
  with w as (
    select s.* from core.capacity_snapshots s
     where s.snapshot_date > (internal.now() at time zone 'UTC')::date - p_days
  ), ends as (
    select (select w.snapshot_date from w order by w.snapshot_date limit 1) as d0,
           (select w.snapshot_date from w order by w.snapshot_date desc limit 1) as d1,
           (select count(*) from w)::integer as k
  ), vals as (
    select w.snapshot_date, m.metric, m.v
      from w
     cross join lateral (
       values ('tenants_total', w.tenants_total::numeric),
              ('tenants_active', w.tenants_active::numeric),
              ('tenants_trialing', w.tenants_trialing::numeric),
              ('subscriptions', (select coalesce(sum(x.value::numeric), 0)
                                   from jsonb_each_text(w.subscriptions_by_status) x)),
              ('storage_bytes', w.storage_bytes::numeric),
              ('db_size_bytes', w.db_size_bytes::numeric)
       union all
       select 'feature.' || f.key, (f.value->>'actual')::numeric
         from jsonb_each(w.features) f) m(metric, v)
  )
  select c.metric, e.d0, e.d1, (e.d1 - e.d0)::integer, e.k, s.v, c.v, c.v - s.v,
         round((c.v - s.v) * 100 / nullif(s.v, 0), 2),
         round((c.v - s.v) * 100 / nullif(s.v, 0) / nullif(e.d1 - e.d0, 0), 3),
         round(c.v * (1 + (c.v - s.v) / nullif(s.v, 0) * 30 / nullif(e.d1 - e.d0, 0)))
    from ends e
    join vals c on c.snapshot_date = e.d1
    left join vals s on s.snapshot_date = e.d0 and s.metric = c.metric
   order by c.metric;
end
$$;

comment on function analytics.growth_trends(integer) is
  'Growth of each capacity metric over the last N days of snapshots, with a 30-day projection.';
grant execute on function analytics.growth_trends(integer) to ratecard_admin;
