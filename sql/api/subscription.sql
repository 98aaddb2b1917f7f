-- api.subscription: the caller's subscription (a tenant: its own), with the plan in force
-- and its MRR, the change scheduled for the period end (plan and interval), whether Stripe
-- holds a payment method for it and whether its trial lapsed without one. A tenant without
-- a row is on the default plan. mrr_cents is the MRR in force now as the revenue views count
-- it (docs/analytics.md: Stripe's amounts, add-ons, discounts; 0 unless active or past_due);
-- trial_mrr_cents what a trialing subscription will bill.
create or replace view api.subscription
with (security_invoker = true)
as
  select s.tenant_id, s.plan, p.name as plan_name, s.status, s.seats, s.billing_interval,
         s.current_period_start, s.current_period_end, s.trial_end,
         s.cancel_at_period_end, s.scheduled_plan, s.scheduled_interval, s.scheduled_at,
         s.past_due_since, s.restricted, s.canceled_at, s.has_payment_method,
         s.trial_lapsed_at is not null and s.trial_end <= s.trial_lapsed_at as trial_lapsed,
         coalesce(m.mrr_cents, 0) as mrr_cents,
         coalesce(s.currency, p.currency) as currency,
         coalesce(m.trial_mrr_cents, 0) as trial_mrr_cents
    from core.subscriptions s
    join core.plans p on p.code = s.plan
    left join lateral (
      select x.mrr_cents, x.trial_mrr_cents from core.mrr_points x
       where x.tenant_id = s.tenant_id and x.at <= internal.now()
       order by x.at desc limit 1) m on true;

comment on view api.subscription is 'Subscriptions visible to the caller, with MRR in cents.';
grant select on api.subscription to ratecard_tenant, ratecard_admin;
