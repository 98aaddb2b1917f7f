-- api.end_admin_session(): sign out of the admin dashboard. Returns whether a live session
-- ended (false for a malformed, unknown or already ended one).
create or replace function api.end_admin_session(p_token text)
returns boolean
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if p_token is null or p_token !~ '^[a-z0-9]{8,32}\.[0-9a-f]{64}$' then
    return false;
  end if;
  update core.admin_sessions x
     set ended_at = internal.now()
   where x.key_id = split_part(p_token, '.', 1)
     and x.session_hash = sha256(convert_to(split_part(p_token, '.', 2), 'UTF8'))
     and x.ended_at is null;
  return found;
end
$$;

comment on function api.end_admin_session(text) is
  'End an admin dashboard session (sign out); false when there was no live one.';
grant execute on function api.end_admin_session(text) to ratecard_admin;
