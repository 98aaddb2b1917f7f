-- api.revoke_api_key(): stop a key from working (cached verifications expire within the
-- API's key cache time).
create or replace function api.revoke_api_key(p_key_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update core.api_keys k set revoked_at = internal.now()
   where k.key_id = p_key_id and k.revoked_at is null;
  return found;
end
$$;

comment on function api.revoke_api_key(text) is 'Revoke an API key by its id.';
grant execute on function api.revoke_api_key(text) to ratecard_admin;
