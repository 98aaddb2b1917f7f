-- internal.claim_usage_reports(): move a tenant's unreported billed ledger rows into usage
-- reports, in this one transaction: one report per feature and billing period, carrying
-- the sum of its rows. A row belongs to exactly one report (usage_events.report_id), so
-- usage is claimed once however often or concurrently this runs: the UPDATE locks each row
-- and skips rows another claim took (and a per-tenant advisory lock keeps two claims of
-- one tenant from interleaving their groups). Returns the number of reports made.
--
-- Claimed: rows with `billed` set (the plan in force when they were written bills the
-- feature), that have occurred (not stamped in the future), of a tenant with a Stripe
-- customer, for a feature with a Billing Meter (sync-catalog made it). Rows of a tenant
-- without a customer wait until it has one.
--
-- The report's meter event is stamped with its latest row's time (whole seconds), inside
-- the period's first whole minute at the earliest, so Stripe counts it in the same billing
-- period as Ratecard and a minute-aligned summary of the period contains it. Its
-- identifier, rcu_<tenant>_<report id>, is derived from the report's id: sending it again
-- after a crash is answered by Stripe as a duplicate, never counted twice.
--
-- Corrections make a report negative. When a report sent less than 23 hours ago (Stripe
-- cancels events within 24 hours of receiving them; first_attempt_at is before Stripe
-- received it) for the same feature and period carries at least as much, the negative
-- report replaces it: the worker cancels that event by its identifier, then sends the
-- remainder as a new event. Otherwise the correction is sent as a negative meter event,
-- which Stripe accepts within its 35-day window and nets out of the period's sum. A report
-- of zero needs no event and is sent at once.
create or replace function internal.claim_usage_reports(p_tenant_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_customer text;
  g record;
  v_id bigint;
  v_end timestamptz;
  v_sum bigint;
  v_n integer;
  v_first timestamptz;
  v_last timestamptz;
  v_at timestamptz;
  v_prev core.usage_reports;
  v_count integer := 0;
begin
  select t.stripe_customer_id into v_customer from core.tenants t where t.tenant_id = p_tenant_id;
  if v_customer is null then
    return 0;
  end if;
  perform pg_catalog.pg_advisory_xact_lock(
    pg_catalog.hashtextextended('ratecard.usage_claim:' || p_tenant_id::text, 0));
  for g in
    select u.feature, f.stripe_meter_event_name as event_name, e.reset, e.period_interval,
           e.period_anchor,
           internal.period_start(e.reset, e.period_anchor, e.period_interval, u.occurred_at)
             as period_start
      from core.usage_events u
      join core.features f on f.code = u.feature and f.stripe_meter_id is not null
      join core.entitlements e on e.tenant_id = u.tenant_id and e.feature = u.feature
     where u.tenant_id = p_tenant_id and u.billed and u.report_id is null
       and u.occurred_at <= v_now
     group by 1, 2, 3, 4, 5, 6
     order by 1, 6
  loop
    v_id := pg_catalog.nextval('core.usage_report_ids');
    v_end := internal.period_end(g.reset, g.period_start, g.period_interval, g.period_anchor);
    with claimed as (
      update core.usage_events u
         set report_id = v_id
       where u.tenant_id = p_tenant_id and u.feature = g.feature and u.billed
         and u.report_id is null and u.occurred_at >= g.period_start
         and u.occurred_at < v_end and u.occurred_at <= v_now
      returning u.amount, u.occurred_at
    )
    select coalesce(sum(c.amount), 0)::bigint, count(*)::integer, min(c.occurred_at),
           max(c.occurred_at)
      into v_sum, v_n, v_first, v_last
      from claimed c;
    continue when v_n = 0;

    v_at := pg_catalog.date_trunc('second', v_last at time zone 'UTC') at time zone 'UTC';
    if internal.minute_ceil(g.period_start) < v_end then
      v_at := greatest(v_at, internal.minute_ceil(g.period_start));
    end if;
    v_prev := null;
    if v_sum < 0 then
      select r.* into v_prev
        from core.usage_reports r
       where r.tenant_id = p_tenant_id and r.feature = g.feature
         and r.period_start = g.period_start and r.status = 'sent'
         and r.event_value >= -v_sum
         and r.first_attempt_at > v_now - interval '23 hours'
         and not exists (select from core.usage_reports x
                          where x.tenant_id = r.tenant_id
                            and x.cancels_report_id = r.report_id)
       order by r.report_id desc
       limit 1
         for update;
    end if;
    insert into core.usage_reports
      (tenant_id, report_id, feature, event_name, stripe_customer_id, value, event_value,
       cancels_report_id, identifier, period_start, period_end, window_start, window_end,
       event_at, events, status, claimed_at, sent_at, delivery)
    values (p_tenant_id, v_id, g.feature, g.event_name, v_customer, v_sum,
            case when v_prev.report_id is not null
                 then nullif(v_prev.event_value + v_sum, 0)
                 else nullif(v_sum, 0) end,
            v_prev.report_id,
            'rcu_' || pg_catalog.replace(p_tenant_id::text, '-', '') || '_' || v_id,
            g.period_start, v_end, v_first, v_last, v_at, v_n,
            case when v_sum = 0 then 'sent' else 'pending' end, v_now,
            case when v_sum = 0 then v_now end, case when v_sum = 0 then 'nothing' end);
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function internal.claim_usage_reports(uuid) is
  'Claim a tenant''s unreported billed ledger rows into usage reports (one per feature and period).';
revoke execute on function internal.claim_usage_reports(uuid) from public;
