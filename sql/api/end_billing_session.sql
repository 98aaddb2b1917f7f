-- api.end_billing_session(): sign out of the billing page. Returns whether a live session
-- ended (false for a malformed, unknown or already ended one: signing out twice is fine).
create or replace function api.end_billing_session(p_token text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_token is null or p_token !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[0-9a-f]{64}$' then
    return false;
  end if;
  update core.billing_sessions x
     set ended_at = internal.now()
   where x.tenant_id = split_part(p_token, '.', 1)::uuid
     and x.session_hash = sha256(convert_to(split_part(p_token, '.', 2), 'UTF8'))
     and x.ended_at is null;
  return found;
end
$$;

comment on function api.end_billing_session(text) is
  'End a billing page session (sign out); false when there was no live one.';
grant execute on function api.end_billing_session(text) to ratecard_service;
