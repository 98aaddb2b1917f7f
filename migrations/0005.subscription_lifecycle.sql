-- depends: 0004.idempotency_operation
--
-- Subscription lifecycle facts that the first billing schema lacked:
--   * the interval a scheduled plan change was asked for (a downgrade from annual to a
--     monthly plan keeps what was asked, not the current interval);
--   * whether Stripe holds a payment method for the subscription, and when a trial that
--     ended without one was lapsed by api.expire_trials (the tenant falls to the free plan);
--   * the unit amount Stripe bills for the plan item, so MRR follows the real price;
--   * why a tenant is suspended: by an administrator, by billing, or both. The effective
--     core.tenants.status is suspended while either holds, so a Stripe event never lifts
--     a suspension an administrator made, and lifting one never lifts the other;
--   * retry backoff and dismissal of stored Stripe events.

alter table core.subscriptions
  add column scheduled_interval text check (scheduled_interval in ('month', 'year')),
  add column has_payment_method boolean not null default false,
  add column trial_lapsed_at    timestamptz,
  add column unit_amount_cents  bigint check (unit_amount_cents >= 0);
update core.subscriptions set scheduled_interval = billing_interval
 where scheduled_plan is not null;

alter table core.tenants
  add column admin_suspended   boolean not null default false,
  add column billing_suspended boolean not null default false;
update core.tenants t
   set billing_suspended = exists (
         select from core.subscriptions s
          where s.tenant_id = t.tenant_id
            and (s.status = 'unpaid'
                 or (s.status = 'canceled' and s.cancel_reason = 'payment_failed')))
 where t.status = 'suspended';
update core.tenants set admin_suspended = true
 where status = 'suspended' and not billing_suspended;

alter table core.stripe_events
  add column next_attempt_at timestamptz,
  add column dismissed_reason text check (length(dismissed_reason) <= 500),
  drop constraint stripe_events_status_check,
  add constraint stripe_events_status_check
    check (status in ('pending', 'applied', 'ignored', 'stale', 'unknown_customer',
                      'failed', 'dismissed'));
drop index core.stripe_events_retry;
create index stripe_events_retry on core.stripe_events (coalesce(next_attempt_at, received_at))
  where status in ('pending', 'failed', 'unknown_customer');

-- MRR now also takes Stripe's unit amount; the old signature goes, with the one view that
-- reads it (the api schema is rebuilt from sql/ right after the migrations).
drop view if exists api.subscription;
drop function if exists internal.subscription_mrr(text, integer, text, text);
