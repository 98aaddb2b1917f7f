-- api.subscription: the caller's subscription (a tenant: its own), with the plan in force
-- and its MRR, the change scheduled for the period end (plan and interval), whether Stripe
-- holds a payment method for it and whether its trial lapsed without one. A tenant without
-- a row is on the default plan.
create or replace view api.subscription
with (security_invoker = true)
as
  select s.tenant_id, s.plan, p.name as plan_name, s.status, s.seats, s.billing_interval,
         s.current_period_start, s.current_period_end, s.trial_end,
         s.cancel_at_period_end, s.scheduled_plan, s.scheduled_interval, s.scheduled_at,
         s.past_due_since, s.restricted, s.canceled_at, s.has_payment_method,
         s.trial_lapsed_at is not null and s.trial_end <= s.trial_lapsed_at as trial_lapsed,
         internal.subscription_mrr(s.plan, s.seats, s.billing_interval, s.status,
                                    s.unit_amount_cents) as mrr_cents,
         p.currency
    from core.subscriptions s
    join core.plans p on p.code = s.plan;

comment on view api.subscription is 'Subscriptions visible to the caller, with MRR in cents.';
grant select on api.subscription to ratecard_tenant, ratecard_admin;
