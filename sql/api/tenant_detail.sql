-- api.tenant_detail(): one tenant as an administrator sees it, in one call
-- (GET /v1/admin/tenants/{id} and the admin tenant page):
--
--   tenant         id, name, e-mail, status and both suspension reasons, Stripe customer
--   subscription   api.subscription's row, or null on the default plan without one
--   plan           the plan in force now (the default plan when none, or when dunning
--                  restricted the subscription)
--   usage          internal.usage_rows: every feature's limit, use, state, source
--   overrides      api.tenant_overrides
--   addons         add-ons held (api.tenant_addons)
--   storage        bytes and objects per storage category (api.storage_usage)
--   invoices       the 12 newest (api.invoices)
--   stripe_events  the 20 newest Stripe events applied to the tenant (api.stripe_events)
--
-- Errors: RC001 unknown tenant.
create or replace function api.tenant_detail(p_tenant_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  t core.tenants;
begin
  select * into t from core.tenants x where x.tenant_id = p_tenant_id;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  return jsonb_build_object(
    'tenant', jsonb_build_object(
      'tenant_id', t.tenant_id, 'name', t.name, 'email', t.email, 'status', t.status,
      'admin_suspended', t.admin_suspended, 'billing_suspended', t.billing_suspended,
      'stripe_customer_id', t.stripe_customer_id, 'created_at', t.created_at),
    'subscription', (select to_jsonb(x) - 'tenant_id' from api.subscription x
                      where x.tenant_id = p_tenant_id),
    'plan', (select jsonb_build_object('code', p.code, 'name', p.name)
               from core.plans p
              where p.code = coalesce(
                      (select e.plan from core.entitlements e
                        where e.tenant_id = p_tenant_id and e.plan is not null limit 1),
                      (select d.code from core.plans d where d.is_default))),
    'usage', internal.usage_rows(p_tenant_id),
    'overrides', (select coalesce(jsonb_agg(to_jsonb(o)), '[]'::jsonb)
                    from api.tenant_overrides(p_tenant_id) o),
    'addons', (select coalesce(jsonb_agg(to_jsonb(a) - 'tenant_id' order by a.addon), '[]'::jsonb)
                 from api.tenant_addons a where a.tenant_id = p_tenant_id),
    'storage', (select coalesce(jsonb_agg(to_jsonb(x) order by x.category), '[]'::jsonb)
                  from api.storage_usage(p_tenant_id) x),
    'invoices', (select coalesce(jsonb_agg(to_jsonb(i) - 'tenant_id'
                                           order by i.created_at desc nulls last, i.invoice_id),
                                 '[]'::jsonb)
                   from (select * from api.invoices x where x.tenant_id = p_tenant_id
                          order by x.created_at desc nulls last, x.invoice_id limit 12) i),
    'stripe_events', (select coalesce(jsonb_agg(to_jsonb(e) - 'tenant_id'
                                                order by e.received_at desc, e.event_id),
                                      '[]'::jsonb)
                        from (select * from api.stripe_events x where x.tenant_id = p_tenant_id
                               order by x.received_at desc, x.event_id limit 20) e)
  );
end
$$;

comment on function api.tenant_detail(uuid) is
  'One tenant for administrators: tenant, subscription, plan in force, usage, overrides, add-ons, storage, invoices, Stripe events.';
grant execute on function api.tenant_detail(uuid) to ratecard_admin;
