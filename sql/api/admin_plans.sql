-- api.admin_plans(): the admin plans page (GET /admin/plans) as one JSON document: every
-- plan, on sale or retired, with its prices, Stripe ids, flags, how many tenants are on it
-- (subscribed or scheduled to move to it; the default plan also counts tenants without a
-- subscription) and how many features it enables; and the feature catalog by category.
create or replace function api.admin_plans()
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object(
    'plans', (
      select coalesce(jsonb_agg(to_jsonb(p) || jsonb_build_object(
               'tenants', (select count(*) from core.subscriptions s
                            where s.plan = p.code or s.scheduled_plan = p.code)
                          + case when p.is_default then
                              (select count(*) from core.tenants t
                                where not exists (select from core.subscriptions s
                                                   where s.tenant_id = t.tenant_id))
                            else 0 end,
               'features_enabled', (select count(*) from core.plan_limits l
                                     where l.plan = p.code and l.enabled))
             order by p.active desc, p.sort_order, p.price_cents, p.code), '[]'::jsonb)
        from api.plans p),
    'catalog', (select coalesce(jsonb_agg(to_jsonb(c) order by c.category), '[]'::jsonb)
                  from api.feature_catalog c))
$$;

comment on function api.admin_plans() is
  'The admin plans list as one JSON document: plans with prices, flags, tenants on each, and the feature catalog.';
grant execute on function api.admin_plans() to ratecard_admin;
