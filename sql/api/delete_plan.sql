-- api.delete_plan(): delete a plan nobody is on, with its limits. A plan that tenants are
-- on (their subscription's plan or scheduled plan, whatever its status), or the default
-- plan (every tenant without a subscription is on it), is not deleted: RC034, with how many
-- tenants in the message and DETAIL (`tenants <n>`). Retire it instead: api.define_plan with
-- p_active false stops its sale and keeps it for the tenants on it. Revenue history keeps
-- the codes of deleted plans.
-- Errors: RC003 unknown plan, RC034 plan in use.
create or replace function api.delete_plan(p_code text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  p core.plans;
  v_tenants bigint;
begin
  select * into p from core.plans x where x.code = p_code for update;
  if not found then
    raise exception 'unknown plan %', coalesce(p_code, 'null') using errcode = 'RC003';
  end if;
  select count(*) into v_tenants from core.subscriptions s
   where s.plan = p_code or s.scheduled_plan = p_code;
  if p.is_default then
    v_tenants := v_tenants + (select count(*) from core.tenants t
                               where not exists (select from core.subscriptions s
                                                  where s.tenant_id = t.tenant_id));
  end if;
  if p.is_default then
    raise exception 'plan % is the default plan, which % tenant% without a subscription % on',
                    p_code, v_tenants, case when v_tenants = 1 then '' else 's' end,
                    case when v_tenants = 1 then 'is' else 'are' end
      using errcode = 'RC034', detail = 'tenants ' || v_tenants,
            hint = 'make another plan the default first (api.define_plan with p_is_default)';
  end if;
  if v_tenants > 0 then
    raise exception 'plan % is in use by % tenant%', p_code, v_tenants,
                    case when v_tenants = 1 then '' else 's' end
      using errcode = 'RC034', detail = 'tenants ' || v_tenants,
            hint = 'retire it instead (active false): nobody new can buy it, tenants on it keep it';
  end if;
  delete from core.plan_limits l where l.plan = p_code;
  delete from core.plans x where x.code = p_code;
  return true;
end
$$;

comment on function api.delete_plan(text) is
  'Delete a plan nobody is on (RC034 with the number of tenants otherwise: retire it instead).';
grant execute on function api.delete_plan(text) to ratecard_admin;
