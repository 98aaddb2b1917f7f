-- analytics.plan_distribution: tenants and MRR now per plan, subscription status and
-- currency. Plan, status and currency are the tenant's last history row's; MRR the value in
-- force now. Tenants that never had a subscription (or whose subscription was removed) are
-- on the default plan with status `none`.
create or replace view analytics.plan_distribution
with (security_invoker = true)
as
  with h as (
    select distinct on (x.tenant_id) x.tenant_id, x.plan_after, x.status_after, x.currency
      from core.subscription_history x
     order by x.tenant_id, x.history_id desc
  ), cur as (
    select distinct on (p.tenant_id) p.tenant_id, p.currency, p.mrr_cents
      from core.mrr_points p
     where p.at <= internal.now()
     order by p.tenant_id, p.at desc
  ), d as (
    select p.code, p.currency from core.plans p where p.is_default
  )
  select coalesce(h.plan_after, (select d.code from d)) as plan,
         case when h.plan_after is null then 'none' else h.status_after end as status,
         coalesce(case when h.plan_after is not null then h.currency end,
                  (select d.currency from d)) as currency,
         count(*)::integer as tenants,
         coalesce(sum(cur.mrr_cents), 0)::bigint as mrr_cents
    from core.tenants t
    left join h on h.tenant_id = t.tenant_id
    left join cur on cur.tenant_id = t.tenant_id
   group by 1, 2, 3
   order by 1, 2, 3;

comment on view analytics.plan_distribution is
  'Tenants and MRR now per plan, subscription status and currency.';
grant select on analytics.plan_distribution to ratecard_admin;
