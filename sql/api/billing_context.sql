-- api.billing_context(): what the billing HTTP routes need to know about a tenant before
-- they call Stripe: contact, Stripe customer and subscription ids, plan, seats, status,
-- period. One row; RC001 for an unknown tenant. A tenant on the default plan has no
-- subscription id.
create or replace function api.billing_context(p_tenant_id uuid)
returns table (
  tenant_id uuid, email text, stripe_customer_id text, stripe_subscription_id text,
  stripe_item_id text, plan text, seats integer, billing_interval text, status text,
  cancel_at_period_end boolean, current_period_end timestamptz, scheduled_plan text
)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return query
    select t.tenant_id, t.email, t.stripe_customer_id, s.stripe_subscription_id,
           s.stripe_item_id, coalesce(s.plan, (select p.code from core.plans p where p.is_default)),
           coalesce(s.seats, 1), coalesce(s.billing_interval, 'month'), s.status,
           coalesce(s.cancel_at_period_end, false), s.current_period_end, s.scheduled_plan
      from core.tenants t
      left join core.subscriptions s on s.tenant_id = t.tenant_id
     where t.tenant_id = p_tenant_id;
  if not found then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
end
$$;

comment on function api.billing_context(uuid) is
  'A tenant''s billing facts (Stripe ids, plan, seats, status, period) for the billing routes.';
grant execute on function api.billing_context(uuid) to ratecard_service, ratecard_admin;
