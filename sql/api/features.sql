-- api.features: the feature catalog.
create or replace view api.features
with (security_invoker = true)
as
  select f.code, f.kind, f.reset, f.unit, f.name, f.durable, f.category
    from core.features f
   order by f.code;

comment on view api.features is 'Feature catalog: code, kind, reset, unit, name, durable, category.';
grant select on api.features to ratecard_tenant, ratecard_service, ratecard_admin;
