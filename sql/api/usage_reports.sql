-- api.usage_reports: every usage report (claimed billed usage on its way to Stripe), newest
-- first. Administrators see every tenant's, a tenant its own. status: pending (not yet
-- confirmed by Stripe), sent, flagged (an operator must look: flag_reason too_old,
-- unconfirmed or rejected, see api.resolve_usage_report), dismissed.
create or replace view api.usage_reports
with (security_invoker = true)
as
  select r.tenant_id, r.report_id, r.feature, r.event_name, r.stripe_customer_id, r.value,
         r.event_value, r.cancels_report_id, r.identifier, r.period_start, r.period_end,
         r.window_start, r.window_end, r.event_at, r.events, r.status, r.flag_reason,
         r.claimed_at, r.first_attempt_at, r.cancel_sent_at, r.sent_at, r.delivery,
         r.attempts, r.last_error, r.resolved_note
    from core.usage_reports r
   order by r.report_id desc;

comment on view api.usage_reports is
  'Usage reports sent or to send to Stripe (status, flag reason, identifier, value, period).';
grant select on api.usage_reports to ratecard_tenant, ratecard_admin;
