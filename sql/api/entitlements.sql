-- api.entitlements: the caller's entitlements, one row per feature. Security invoker, so a
-- ratecard_tenant session sees only its own tenant (RLS); an admin sees every tenant.
create or replace view api.entitlements
with (security_invoker = true)
as
  select r.tenant_id, r.feature, r.kind, r.enabled, r."limit", r.used, r.remaining,
         r.percent_used, r.period_start, r.period_end, r.state, r.grace_until, r.source,
         r.overage, r.plan
    from internal.entitlement_rows(null, null) r;

comment on view api.entitlements is
  'Entitlements visible to the caller (a tenant sees its own): limit, used, state, period.';
grant select on api.entitlements to ratecard_tenant, ratecard_admin;
