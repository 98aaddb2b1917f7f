-- requires: api/entitlements.sql
-- api.usage_summary: usage against every limit as a billing page shows it, one row per
-- (tenant, feature) the caller may see (a tenant its own, through RLS; an admin all).
-- The flags are the rules, stated here once for SQL callers and the HTTP API alike:
--   is_unlimited          enabled without a limit
--   is_at_limit           blocked, or nothing remains (switches never are)
--   is_approaching_limit  internal.approaching_limit: at or above 80% of the limit
create or replace view api.usage_summary
with (security_invoker = true)
as
  select e.tenant_id, e.feature, e.kind, e.enabled, e.used as current, e."limit",
         e.percent_used::float8 as percentage,
         (e."limit" is null and e.enabled) as is_unlimited,
         coalesce(e.state = 'blocked' or (e.remaining = 0 and e.kind <> 'switch'), false)
           as is_at_limit,
         coalesce(internal.approaching_limit(e.used, e."limit"), false) as is_approaching_limit,
         e.state, e.period_end, e.grace_until
    from api.entitlements e;

comment on view api.usage_summary is
  'Usage against every limit: current, limit, percentage, is_unlimited, is_at_limit, is_approaching_limit, state.';
grant select on api.usage_summary to ratecard_tenant, ratecard_admin;
