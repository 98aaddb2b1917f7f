-- api.create_tenant(): a new customer workspace. With p_plan, it starts on that plan
-- (status active, one seat, period starting now); without, it is on the default plan.
-- Returns the tenant id. Unknown plan RC003; a bad name RC018 (internal.check_name: no
-- control, format or bidi characters, not only whitespace), a bad email RC005.
create or replace function api.create_tenant(
  p_name text, p_email text default null, p_plan text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant_id uuid;
begin
  perform internal.check_name('tenant name', btrim(p_name));
  if p_email is not null and not internal.email_ok(p_email) then
    raise exception 'invalid email address %', p_email
      using errcode = 'RC005', hint = 'an address like billing@example.com';
  end if;
  if p_plan is not null and not exists (select from core.plans p where p.code = p_plan) then
    raise exception 'unknown plan %', p_plan
      using errcode = 'RC003', hint = 'see api.plans for the catalog';
  end if;
  insert into core.tenants (name, email, created_at)
  values (btrim(p_name), p_email, internal.now())
  returning tenant_id into v_tenant_id;
  if p_plan is not null then
    insert into core.subscriptions (tenant_id, plan, status, billing_interval,
                                    current_period_start, updated_at)
    select v_tenant_id, p.code, 'active', p.billing_interval, internal.now(), internal.now()
      from core.plans p where p.code = p_plan;
  end if;
  return v_tenant_id;
end
$$;

comment on function api.create_tenant(text, text, text) is
  'Create a tenant (optionally on a plan; otherwise the default plan). Returns its id.';
grant execute on function api.create_tenant(text, text, text) to ratecard_service, ratecard_admin;
