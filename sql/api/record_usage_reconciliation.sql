-- api.record_usage_reconciliation(): decide and record drift from Stripe's meter sums.
-- p_results: a JSON array of {tenant_id, feature, period_start, stripe_units,
-- reported_units}, one per row of api.usage_reconciliation, stripe_units being Stripe's
-- summary of the row's window (null: Stripe could not be asked) and reported_units the
-- row's value when it was read. Each is checked against the figures now:
--   changed  a report of the period was confirmed since it was read: nothing is decided,
--            the next run looks again
--   unknown  no Stripe sum
--   drift    the ledger differs from reported + in flight + flagged (a claim went wrong),
--            or Stripe's sum lies outside [stripe_low, stripe_high] (Stripe holds more or
--            less than the reports that reached it)
--   ok       everything agrees
-- A drifting period is kept in core.usage_drift (api.usage_drift, GET
-- /v1/admin/usage-drift) with the figures and when it was first seen; a period that
-- drifted before and agrees now is marked resolved. Returns every row with its status.
create or replace function api.record_usage_reconciliation(
  p_results jsonb, p_settle interval default interval '10 minutes'
)
returns table (tenant_id uuid, feature text, period_start timestamptz,
               period_end timestamptz, ledger_units bigint, reported_units bigint,
               in_flight_units bigint, flagged_units bigint, stripe_units bigint,
               stripe_low bigint, stripe_high bigint, status text)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
begin
  if p_results is null or jsonb_typeof(p_results) <> 'array' then
    raise exception 'reconciliation results must be a JSON array' using errcode = 'RC005';
  end if;
  return query
  with input as (
    select * from jsonb_to_recordset(p_results)
             as i(tenant_id uuid, feature text, period_start timestamptz, stripe_units bigint,
                  reported_units bigint)
  ),
  now_rows as (
    select w.* from (select i.tenant_id, min(i.period_start) as since
                       from input i group by i.tenant_id) t
     cross join lateral internal.usage_reconciliation_rows(
                          t.tenant_id, t.since - interval '1 second', p_settle) w
  ),
  decided as (
    select w.tenant_id, w.feature, w.period_start, w.period_end, w.ledger_units,
           w.reported_units, w.in_flight_units, w.flagged_units, i.stripe_units,
           w.stripe_low, w.stripe_high,
           case
             when i.reported_units is distinct from w.reported_units then 'changed'
             when w.ledger_units <> w.reported_units + w.in_flight_units + w.flagged_units
               then 'drift'
             when i.stripe_units is null then 'unknown'
             when i.stripe_units not between w.stripe_low and w.stripe_high then 'drift'
             else 'ok'
           end as status
      from input i
      join now_rows w
        on w.tenant_id = i.tenant_id and w.feature = i.feature
       and w.period_start = i.period_start
  ),
  opened as (
    insert into core.usage_drift as d
      (tenant_id, feature, period_start, period_end, ledger_units, reported_units,
       in_flight_units, flagged_units, stripe_units, first_seen_at, checked_at)
    select r.tenant_id, r.feature, r.period_start, r.period_end, r.ledger_units,
           r.reported_units, r.in_flight_units, r.flagged_units, r.stripe_units, v_now, v_now
      from decided r
     where r.status = 'drift'
    on conflict on constraint usage_drift_pkey do update
       set period_end = excluded.period_end, ledger_units = excluded.ledger_units,
           reported_units = excluded.reported_units,
           in_flight_units = excluded.in_flight_units,
           flagged_units = excluded.flagged_units, stripe_units = excluded.stripe_units,
           checked_at = excluded.checked_at,
           first_seen_at = case when d.resolved_at is null then d.first_seen_at
                                else excluded.first_seen_at end,
           resolved_at = null
    returning 1
  ),
  resolved as (
    update core.usage_drift d
       set resolved_at = v_now, checked_at = v_now, ledger_units = r.ledger_units,
           reported_units = r.reported_units, in_flight_units = r.in_flight_units,
           flagged_units = r.flagged_units, stripe_units = r.stripe_units
      from decided r
     where r.status = 'ok' and d.resolved_at is null and d.tenant_id = r.tenant_id
       and d.feature = r.feature and d.period_start = r.period_start
    returning 1
  )
  select r.* from decided r
   order by r.tenant_id, r.feature, r.period_start;
end
$$;

comment on function api.record_usage_reconciliation(jsonb, interval) is
  'Compare Stripe''s meter sums with the ledger and reports; record drift (core.usage_drift); returns each period''s status.';
grant execute on function api.record_usage_reconciliation(jsonb, interval)
  to ratecard_service, ratecard_admin;
