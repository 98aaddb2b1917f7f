-- api.open_admin_session(): sign in to the admin dashboard with an admin API key. Returns
-- the session cookie's token, `<key id>.<64 hex>`, once (only its SHA-256 is stored), and
-- when the session ends (8 hours later). A key that is not a live admin key is RC035, one
-- message for all cases, so the form tells nothing about which keys exist. Run by the
-- authenticator login itself, like api.authenticate_key: signing in comes before any role.
create or replace function api.open_admin_session(p_key text)
returns table (token text, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_secret text := internal.new_secret();
  v_key text;
begin
  select a.key_id into v_key from api.authenticate_key(p_key) a where a.role = 'admin';
  if v_key is null then
    raise exception 'that is not an admin API key'
      using errcode = 'RC035', hint = 'create one with: ratecard keys create --role admin';
  end if;
  delete from core.admin_sessions s
   where s.key_id = v_key and coalesce(s.ended_at, s.expires_at) < v_now - interval '1 day';
  insert into core.admin_sessions (key_id, session_hash, created_at, expires_at)
  values (v_key, sha256(convert_to(v_secret, 'UTF8')), v_now, v_now + interval '8 hours');
  return query select v_key || '.' || v_secret, v_now + interval '8 hours';
end
$$;

comment on function api.open_admin_session(text) is
  'Sign in to the admin pages with an admin API key: an 8-hour session token; RC035 otherwise.';
grant execute on function api.open_admin_session(text) to ratecard_authenticator;
