-- requires: api/entitlements.sql
-- requires: api/billed_usage.sql
-- api.usage_summary: usage against every limit as a billing page shows it, one row per
-- (tenant, feature) the caller may see (a tenant its own, through RLS; an admin all).
-- The flags are the rules, stated here once for SQL callers and the HTTP API alike:
--   is_unlimited          enabled without a limit
--   is_at_limit           blocked, or nothing remains (switches never are)
--   is_approaching_limit  internal.approaching_limit: at or above 80% of the limit
--   billed                for a billed feature (overage bill), what the period will cost
--                         (api.billed_usage): included, used, overage_units,
--                         unit_price_cents, estimated_overage_cents, currency,
--                         reported_to_stripe_up_to, period_start, period_end; else null
-- For storage_bytes, `categories` breaks the level down per storage category (objects,
-- bytes, pending uploads, oversized objects: core.storage_categories); null otherwise.
create or replace view api.usage_summary
with (security_invoker = true)
as
  select e.tenant_id, e.feature, e.kind, e.enabled, e.used as current, e."limit",
         e.percent_used::float8 as percentage,
         (e."limit" is null and e.enabled) as is_unlimited,
         coalesce(e.state = 'blocked' or (e.remaining = 0 and e.kind <> 'switch'), false)
           as is_at_limit,
         coalesce(internal.approaching_limit(e.used, e."limit"), false) as is_approaching_limit,
         e.state, e.period_end, e.grace_until, e.source,
         case when e.feature = 'storage_bytes' then
           (select coalesce(jsonb_agg(jsonb_build_object(
                     'category', c.category, 'objects', coalesce(s.objects, 0),
                     'bytes', coalesce(s.bytes, 0),
                     'pending_objects', coalesce(s.pending_objects, 0),
                     'pending_bytes', coalesce(s.pending_bytes, 0),
                     'oversized_objects', coalesce(s.oversized_objects, 0))
                   order by c.category), '[]')
              from unnest(array['upload', 'attachment', 'export', 'profile_image', 'backup'])
                   as c(category)
              left join core.storage_categories s
                on s.tenant_id = e.tenant_id and s.category = c.category)
         end as categories,
         case when b.feature is not null then jsonb_build_object(
           'included', b.included, 'used', b.used, 'overage_units', b.overage_units,
           'unit_price_cents', b.unit_price_cents,
           'estimated_overage_cents', b.estimated_overage_cents, 'currency', b.currency,
           'reported_to_stripe_up_to', b.reported_up_to, 'period_start', b.period_start,
           'period_end', b.period_end) end as billed
    from api.entitlements e
    left join api.billed_usage b on b.tenant_id = e.tenant_id and b.feature = e.feature;

comment on view api.usage_summary is
  'Usage against every limit: current, limit, percentage, is_unlimited, is_at_limit, is_approaching_limit, state, source (plan, addon, override); storage per category; billed: the estimate of billed usage.';
grant select on api.usage_summary to ratecard_tenant, ratecard_admin;
