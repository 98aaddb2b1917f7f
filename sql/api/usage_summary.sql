-- requires: api/entitlements.sql
-- api.usage_summary: usage against every limit as a billing page shows it, one row per
-- (tenant, feature) the caller may see (a tenant its own, through RLS; an admin all).
-- The flags are the rules, stated here once for SQL callers and the HTTP API alike:
--   is_unlimited          enabled without a limit
--   is_at_limit           blocked, or nothing remains (switches never are)
--   is_approaching_limit  internal.approaching_limit: at or above 80% of the limit
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
         end as categories
    from api.entitlements e;

comment on view api.usage_summary is
  'Usage against every limit: current, limit, percentage, is_unlimited, is_at_limit, is_approaching_limit, state, source (plan, addon, override); storage per category.';
grant select on api.usage_summary to ratecard_tenant, ratecard_admin;
