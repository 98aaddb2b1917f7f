-- requires: api/tenant_detail.sql
-- api.admin_tenant(): the admin tenant page (GET /admin/tenants/{id}) as one JSON document:
-- api.tenant_detail, plus what its forms offer: the plans a tenant can be put on, and the
-- add-ons that can be granted.
-- Errors: RC001 unknown tenant.
create or replace function api.admin_tenant(p_tenant_id uuid)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select api.tenant_detail(p_tenant_id) || jsonb_build_object(
    'plans', (select coalesce(jsonb_agg(jsonb_build_object('code', p.code, 'name', p.name,
                                                          'active', p.active)
                                        order by p.sort_order, p.price_cents, p.code), '[]'::jsonb)
                from core.plans p),
    'addons_available', (select coalesce(jsonb_agg(jsonb_build_object('code', a.code,
                                                                     'name', a.name)
                                                   order by a.name), '[]'::jsonb)
                           from core.addons a where a.active))
$$;

comment on function api.admin_tenant(uuid) is
  'The admin tenant page as one JSON document: api.tenant_detail plus the plans and add-ons its forms offer.';
grant execute on function api.admin_tenant(uuid) to ratecard_admin;
