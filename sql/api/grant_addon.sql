-- api.grant_addon(): give a tenant p_quantity units of an add-on (replacing any earlier
-- quantity) and reactivate it if it was cancelled. Stripe purchases call this too.
create or replace function api.grant_addon(
  p_tenant_id uuid, p_addon text, p_quantity integer default 1
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if not exists (select from core.addons a where a.code = p_addon) then
    raise exception 'unknown add-on %', coalesce(p_addon, 'null') using errcode = 'RC008';
  end if;
  if p_quantity is null or p_quantity not between 1 and 100000 then
    raise exception 'quantity must be 1 to 100000' using errcode = 'RC004';
  end if;
  insert into core.tenant_addons (tenant_id, addon, quantity, status, created_at)
  values (p_tenant_id, p_addon, p_quantity, 'active', internal.now())
  on conflict (tenant_id, addon) do update
     set quantity = excluded.quantity, status = 'active', ends_at = null;
end
$$;

comment on function api.grant_addon(uuid, text, integer) is
  'Give a tenant units of an add-on; its grants count in entitlements at once.';
grant execute on function api.grant_addon(uuid, text, integer) to ratecard_admin;
