-- requires: api/plans.sql
-- requires: api/plan_limits.sql
-- api.plan_catalog: each plan of api.plans with its limits as one JSON array, the shape
-- the catalog and billing pages show. Security invoker over the two views, so a tenant
-- sees the public, active plans and its own (RLS), services and admins every plan. A
-- limit's grace is there as PostgreSQL's interval text (`grace`) and in whole seconds
-- (`grace_seconds`); a null limit is unlimited.
create or replace view api.plan_catalog
with (security_invoker = true)
as
  select p.*,
         coalesce((select jsonb_agg(to_jsonb(l) - 'plan'
                                    || jsonb_build_object('grace_seconds',
                                                          extract(epoch from l.grace)::bigint)
                                    order by l.feature)
                     from api.plan_limits l
                    where l.plan = p.code), '[]'::jsonb) as limits
    from api.plans p;

comment on view api.plan_catalog is
  'Plans (api.plans) each with its limits (api.plan_limits) as a JSON array.';
grant select on api.plan_catalog to ratecard_tenant, ratecard_service, ratecard_admin;
