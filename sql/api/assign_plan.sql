-- api.assign_plan(): put a tenant on a plan now, outside Stripe (manual or enterprise
-- contracts, tests). Creates or replaces the subscription row as active with p_seats
-- seats, billed at the plan's interval; a new plan starts a new billing period. Entitlements follow at once.
create or replace function api.assign_plan(
  p_tenant_id uuid, p_plan text, p_seats integer default 1
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if not exists (select from core.plans p where p.code = p_plan) then
    raise exception 'unknown plan %', coalesce(p_plan, 'null') using errcode = 'RC003';
  end if;
  if p_seats is null or p_seats not between 1 and 100000 then
    raise exception 'seats must be 1 to 100000, got %', p_seats using errcode = 'RC004';
  end if;
  insert into core.subscriptions as s (tenant_id, plan, status, seats, billing_interval,
                                       current_period_start, updated_at)
  select p_tenant_id, p.code, 'active', p_seats, p.billing_interval, v_now, v_now
    from core.plans p where p.code = p_plan
  on conflict (tenant_id) do update
     set plan = excluded.plan, seats = excluded.seats, status = 'active',
         billing_interval = excluded.billing_interval,
         current_period_start = case when s.plan = excluded.plan then s.current_period_start
                                     else v_now end,
         cancel_at_period_end = false, scheduled_plan = null, scheduled_at = null,
         updated_at = v_now;
end
$$;

comment on function api.assign_plan(uuid, text, integer) is
  'Put a tenant on a plan with a number of seats, now, without Stripe.';
grant execute on function api.assign_plan(uuid, text, integer) to ratecard_admin;
