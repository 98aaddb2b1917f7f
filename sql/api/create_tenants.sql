-- api.create_tenants(): many tenants at once (imports, migrations from another system,
-- load tests): api.create_tenant for each element of a JSON array, in one transaction and
-- a few set-based statements, so entitlements are derived once per statement for all of
-- them (internal.tg_entitlement_inputs__refresh_inserted) instead of once per tenant.
--
-- p_tenants: a JSON array (at most 50,000) of {"name": text, "email": text (optional),
-- "plan": text (optional: the default plan), "tenant_id": uuid (optional: generated)}.
-- Every element is checked first, by the same rules as api.create_tenant, and any bad one
-- rejects the whole array with its 0-based index in DETAIL: RC018 bad name, RC005 bad
-- email or shape, RC003 unknown plan, 23505 (unique_violation) a tenant_id that exists.
-- Returns the new tenant ids in the order given.
create or replace function api.create_tenants(p_tenants jsonb)
returns table (tenant_id uuid)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_bad record;
  v_created bigint;
begin
  if p_tenants is null or jsonb_typeof(p_tenants) <> 'array' then
    raise exception 'tenants must be a JSON array' using errcode = 'RC005';
  end if;
  if jsonb_array_length(p_tenants) > 50000 then
    raise exception 'at most 50000 tenants per call, got %', jsonb_array_length(p_tenants)
      using errcode = 'RC005', hint = 'split the array';
  end if;

  create temporary table if not exists new_tenants (
    idx bigint, tenant_id uuid, name text, email text, plan text
  ) on commit drop;
  delete from pg_temp.new_tenants;
  insert into pg_temp.new_tenants
  select x.idx - 1, coalesce(x.tenant_id, gen_random_uuid()), btrim(x.name), x.email, x.plan
    from rows from (jsonb_to_recordset(p_tenants)
                    as (tenant_id uuid, name text, email text, plan text))
         with ordinality as x(tenant_id, name, email, plan, idx);

  -- The name rule (internal.check_name) for each; the first failure names its index.
  for v_bad in select n.idx, n.name from pg_temp.new_tenants n order by n.idx loop
    begin
      perform internal.check_name('tenant name', v_bad.name);
    exception when sqlstate 'RC018' then
      raise exception 'tenant %: %', v_bad.idx, sqlerrm
        using errcode = 'RC018', detail = format('index %s', v_bad.idx);
    end;
  end loop;
  select n.idx, n.email, n.plan,
         n.plan is not null and p.code is null as unknown_plan
    into v_bad
    from pg_temp.new_tenants n
    left join core.plans p on p.code = n.plan
   where (n.plan is not null and p.code is null)
      or (n.email is not null and not internal.email_ok(n.email))
   order by n.idx
   limit 1;
  if found then
    if v_bad.unknown_plan then
      raise exception 'tenant %: unknown plan %', v_bad.idx, v_bad.plan
        using errcode = 'RC003', detail = format('index %s', v_bad.idx),
              hint = 'see api.plans for the catalog';
    end if;
    raise exception 'tenant %: invalid email address %', v_bad.idx, v_bad.email
      using errcode = 'RC005', detail = format('index %s', v_bad.idx);
  end if;

  -- One statement for both tables: the per-statement triggers then see every new tenant
  -- with its subscription and derive each tenant's entitlements once.
  with t as (
    insert into core.tenants (tenant_id, name, email, created_at)
    select n.tenant_id, n.name, n.email, v_now from pg_temp.new_tenants n order by n.idx
    returning core.tenants.tenant_id
  ),
  s as (
    insert into core.subscriptions (tenant_id, plan, status, billing_interval,
                                    current_period_start, updated_at)
    select n.tenant_id, p.code, 'active', p.billing_interval, v_now, v_now
      from pg_temp.new_tenants n
      join core.plans p on p.code = n.plan
      join t on t.tenant_id = n.tenant_id
  )
  select count(*) into v_created from t;

  return query select n.tenant_id from pg_temp.new_tenants n order by n.idx;
end
$$;

comment on function api.create_tenants(jsonb) is
  'Create many tenants in one call (JSON array of {name, email, plan, tenant_id}); returns their ids in order.';
grant execute on function api.create_tenants(jsonb) to ratecard_service, ratecard_admin;
