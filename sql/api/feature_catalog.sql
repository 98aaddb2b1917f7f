-- requires: api/features.sql
-- api.feature_catalog: the feature catalog grouped by category, one row per category in
-- order, its features (api.features) as a JSON array by name. The admin plan editor and
-- the tenant overrides editor show features this way (GET /v1/admin/feature-catalog).
create or replace view api.feature_catalog
with (security_invoker = true)
as
  select f.category, count(*)::integer as feature_count,
         jsonb_agg(to_jsonb(f) - 'category' order by f.name, f.code) as features
    from api.features f
   group by f.category
   order by f.category;

comment on view api.feature_catalog is
  'Features grouped by category: category, feature_count, features (code, kind, reset, unit, name, durable).';
grant select on api.feature_catalog to ratecard_tenant, ratecard_service, ratecard_admin;
