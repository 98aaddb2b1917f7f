-- api.admin_plan(): the admin plan editor (GET /admin/plans/{code}) as one JSON document:
-- the plan (api.plans) with how many tenants are on it, and its limits laid over the whole
-- feature catalog by category: each feature with the plan's row for it (null when the plan
-- has none, which disables the feature). The editor saves through
-- api.replace_plan_limits, so what it shows is what it replaces.
-- Errors: RC003 unknown plan.
create or replace function api.admin_plan(p_code text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if not exists (select from core.plans p where p.code = p_code) then
    raise exception 'unknown plan %', coalesce(p_code, 'null') using errcode = 'RC003';
  end if;
  return jsonb_build_object(
    'plan', (select to_jsonb(p) from api.plans p where p.code = p_code),
    'tenants', (select count(*) from core.subscriptions s
                 where s.plan = p_code or s.scheduled_plan = p_code),
    'categories', (
      select coalesce(jsonb_agg(jsonb_build_object('category', c.category, 'features', c.features)
                                order by c.category), '[]'::jsonb)
        from (select f.category,
                     jsonb_agg(jsonb_build_object(
                       'code', f.code, 'name', f.name, 'kind', f.kind, 'unit', f.unit,
                       'reset', f.reset,
                       'limit', case when l.feature is null then null else jsonb_build_object(
                                  'limit', l.limit_value, 'enabled', l.enabled,
                                  'overage', l.overage, 'buffer_pct', l.buffer_pct,
                                  'grace_seconds', extract(epoch from l.grace)::bigint,
                                  'per_seat', l.per_seat) end)
                       order by f.name, f.code) as features
                from core.features f
                left join core.plan_limits l on l.plan = p_code and l.feature = f.code
               group by f.category) c)
  );
end
$$;

comment on function api.admin_plan(text) is
  'The admin plan editor as one JSON document: the plan, tenants on it, and its limits over the feature catalog by category.';
grant execute on function api.admin_plan(text) to ratecard_admin;
