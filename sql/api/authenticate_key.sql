-- api.authenticate_key(): which role (and tenant) an API key stands for, or no row.
-- Executed by the authenticator login before it switches role. The secret is compared by
-- its SHA-256; a malformed, unknown or revoked key yields no row.
create or replace function api.authenticate_key(p_key text)
returns table (key_id text, role text, tenant_id uuid)
language sql
stable
security definer
set search_path = ''
as $$
  select k.key_id, k.role, k.tenant_id
    from core.api_keys k
   where p_key ~ '^rc_[a-z0-9]{8,32}_[a-z0-9]{16,128}$'
     and k.key_id = split_part(p_key, '_', 2)
     and k.secret_hash = sha256(convert_to(split_part(p_key, '_', 3), 'UTF8'))
     and k.revoked_at is null
$$;

comment on function api.authenticate_key(text) is
  'Resolve an API key to its role and tenant; no row when unknown or revoked.';
grant execute on function api.authenticate_key(text) to ratecard_authenticator;
