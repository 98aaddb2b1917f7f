-- api.create_api_key(): a new HTTP API key. Returns the key once ("rc_<id>_<secret>");
-- only the SHA-256 of the secret is stored. Roles: service (any tenant), admin (catalog,
-- analytics), tenant (confined to p_tenant_id by RLS).
create or replace function api.create_api_key(
  p_role text, p_name text, p_tenant_id uuid default null
)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id text := substr(replace(gen_random_uuid()::text, '-', ''), 1, 16);
  v_secret text := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
begin
  if p_role is null or p_role not in ('service', 'tenant', 'admin') then
    raise exception 'invalid key role %', coalesce(p_role, 'null')
      using errcode = 'RC005', hint = 'one of service, tenant, admin';
  end if;
  if (p_role = 'tenant') <> (p_tenant_id is not null) then
    raise exception 'a tenant key needs a tenant id, and only a tenant key takes one'
      using errcode = 'RC005';
  end if;
  if p_tenant_id is not null
     and not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  perform internal.check_name('key name', p_name);
  insert into core.api_keys (key_id, secret_hash, role, tenant_id, name, created_at)
  values (v_id, sha256(convert_to(v_secret, 'UTF8')), p_role, p_tenant_id, p_name,
          internal.now());
  return 'rc_' || v_id || '_' || v_secret;
end
$$;

comment on function api.create_api_key(text, text, uuid) is
  'Create an API key (role service|tenant|admin); the returned key is shown only once.';
grant execute on function api.create_api_key(text, text, uuid) to ratecard_admin;
