-- api.plan_limits: each plan's limit per feature (for plan comparison pages).
create or replace view api.plan_limits
with (security_invoker = true)
as
  select l.plan, l.feature, f.kind, f.unit, l.limit_value as "limit", l.enabled, l.overage,
         l.buffer_pct, l.grace, l.per_seat
    from core.plan_limits l
    join core.features f on f.code = l.feature
   order by l.plan, l.feature;

comment on view api.plan_limits is 'Limits per plan and feature (null limit = unlimited).';
grant select on api.plan_limits to ratecard_tenant, ratecard_service, ratecard_admin;
