-- api.admin_session(): the admin API key behind a dashboard session cookie, or RC035 for a
-- malformed, unknown, ended or expired session, or one whose key was revoked. Every admin
-- page request runs as ratecard_admin and resolves its cookie here in the same statement,
-- before its work: `select <work> from api.admin_session($1) s` (the select list is
-- evaluated only for the row this returns), so nothing runs for a bad cookie.
create or replace function api.admin_session(p_token text)
returns table (key_id text, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  s core.admin_sessions;
begin
  if p_token is null or p_token !~ '^[a-z0-9]{8,32}\.[0-9a-f]{64}$' then
    raise exception 'not signed in' using errcode = 'RC035';
  end if;
  select x.* into s from core.admin_sessions x
    join core.api_keys k on k.key_id = x.key_id
   where x.key_id = split_part(p_token, '.', 1)
     and x.session_hash = sha256(convert_to(split_part(p_token, '.', 2), 'UTF8'))
     and x.ended_at is null
     and k.revoked_at is null
     and k.role = 'admin';
  if not found then
    raise exception 'not signed in' using errcode = 'RC035';
  end if;
  if s.expires_at <= internal.now() then
    raise exception 'the admin session has expired' using errcode = 'RC035', hint = 'sign in again';
  end if;
  return query select s.key_id, s.expires_at;
end
$$;

comment on function api.admin_session(text) is
  'The admin key and end of a live dashboard session; RC035 otherwise.';
grant execute on function api.admin_session(text) to ratecard_admin;
