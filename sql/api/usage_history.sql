-- api.usage_history: every meter period the caller may see, newest first: how much of
-- each metered feature or gauge was used in each period. Past periods stay queryable.
create or replace view api.usage_history
with (security_invoker = true)
as
  select m.tenant_id, m.feature, f.kind,
         case when f.kind = 'gauge' then null else m.period_start end as period_start,
         m.used, m.over_since, m.updated_at
    from core.meters m
    join core.features f on f.code = m.feature
   order by m.tenant_id, m.feature, m.period_start desc;

comment on view api.usage_history is
  'Usage per tenant, feature and period (durable meters), newest period first.';
grant select on api.usage_history to ratecard_tenant, ratecard_admin;
