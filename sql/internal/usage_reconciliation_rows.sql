-- internal.usage_reconciliation_rows(): the billing periods to reconcile with Stripe, per
-- tenant with a Stripe customer and billed feature with a meter (p_tenant_id null: all),
-- with what Ratecard holds for each:
--   periods          those of usage reports ending after p_since, and the current period of
--                    every billed entitlement
--   ledger_units     billed ledger rows that occurred in the period
--   reported_units   reports of the period Stripe confirmed (sent)
--   in_flight_units  reports not yet confirmed (pending), and rows not yet claimed
--   flagged_units    reports waiting for an operator (flagged) or given up (dismissed)
--   window_start/end the minute-aligned range to ask Stripe's meter summary for (reports
--                    of the period are stamped inside it)
--   stripe_low/high  the range of Stripe sums that agree with the reports: its sum is
--                    reported_units, give or take reports whose answer is not recorded yet
--                    (attempted and pending, or flagged unconfirmed: Stripe may have
--                    them) and reports confirmed
--                    within p_settle (Stripe aggregates meter events asynchronously)
-- The ledger must equal reported + in flight + flagged, and Stripe's sum must lie in
-- [stripe_low, stripe_high]; api.record_usage_reconciliation decides and records drift.
create or replace function internal.usage_reconciliation_rows(
  p_tenant_id uuid, p_since timestamptz, p_settle interval
)
returns table (tenant_id uuid, feature text, stripe_customer_id text, meter_id text,
               period_start timestamptz, period_end timestamptz, window_start timestamptz,
               window_end timestamptz, ledger_units bigint, reported_units bigint,
               in_flight_units bigint, flagged_units bigint, stripe_low bigint,
               stripe_high bigint)
language sql
stable
security definer
set search_path = ''
as $$
  with n as (select internal.now() as now),
  periods as (
    select distinct r.tenant_id, r.feature, r.period_start, r.period_end
      from core.usage_reports r
     where (p_tenant_id is null or r.tenant_id = p_tenant_id)
       and r.period_end > p_since
    union
    select e.tenant_id, e.feature, x.ps,
           internal.period_end(e.reset, x.ps, e.period_interval, e.period_anchor)
      from core.entitlements e
      cross join n
      cross join lateral (select internal.period_start(e.reset, e.period_anchor,
                                                       e.period_interval, n.now) as ps) x
     where (p_tenant_id is null or e.tenant_id = p_tenant_id)
       and e.overage = 'bill' and e.kind = 'metered'
  )
  select p.tenant_id, p.feature, t.stripe_customer_id, f.stripe_meter_id, p.period_start,
         p.period_end, internal.minute_ceil(p.period_start), internal.minute_ceil(p.period_end),
         l.units, rs.reported, rs.pending + l.unclaimed, rs.flagged,
         rs.reported + rs.low, rs.reported + rs.high
    from periods p
    join core.tenants t on t.tenant_id = p.tenant_id and t.stripe_customer_id is not null
    join core.features f on f.code = p.feature and f.stripe_meter_id is not null
    cross join n
    cross join lateral (
      select coalesce(sum(u.amount), 0)::bigint as units,
             coalesce(sum(u.amount) filter (where u.report_id is null), 0)::bigint as unclaimed
        from core.usage_events u
       where u.tenant_id = p.tenant_id and u.feature = p.feature and u.billed
         and u.occurred_at >= p.period_start and u.occurred_at < p.period_end
    ) l
    cross join lateral (
      select coalesce(sum(r.value) filter (where r.status = 'sent'), 0)::bigint as reported,
             coalesce(sum(r.value) filter (where r.status = 'pending'), 0)::bigint as pending,
             coalesce(sum(r.value) filter (where r.status in ('flagged', 'dismissed')), 0)::bigint
               as flagged,
             -- what Stripe may hold beyond (or short of) the confirmed reports: a pending
             -- report that was attempted may be there (a replacement's cancel too), and a
             -- report confirmed within p_settle may not be aggregated yet
             coalesce(sum(least(0, r.value, -coalesce(c.event_value, 0)))
                        filter (where (r.status = 'pending' and r.first_attempt_at is not null)
                                 or r.flag_reason = 'unconfirmed' and r.status = 'flagged'),
                      0)::bigint
             - coalesce(sum(greatest(0, r.value))
                          filter (where r.status = 'sent' and r.sent_at > n.now - p_settle), 0)::bigint
               as low,
             coalesce(sum(greatest(0, r.value))
                        filter (where (r.status = 'pending' and r.first_attempt_at is not null)
                                 or r.flag_reason = 'unconfirmed' and r.status = 'flagged'),
                      0)::bigint
             - coalesce(sum(least(0, r.value))
                          filter (where r.status = 'sent' and r.sent_at > n.now - p_settle), 0)::bigint
               as high
        from core.usage_reports r
        left join core.usage_reports c
          on c.tenant_id = r.tenant_id and c.report_id = r.cancels_report_id
       where r.tenant_id = p.tenant_id and r.feature = p.feature
         and r.period_start = p.period_start
    ) rs
   order by p.tenant_id, p.feature, p.period_start
$$;

comment on function internal.usage_reconciliation_rows(uuid, timestamptz, interval) is
  'Periods to reconcile with Stripe: ledger, reported, in flight, flagged units and the Stripe sums that agree.';
revoke execute on function internal.usage_reconciliation_rows(uuid, timestamptz, interval)
  from public;
