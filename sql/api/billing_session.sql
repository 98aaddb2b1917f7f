-- api.billing_session(): the tenant a billing page session cookie is bound to, with the
-- session's return URL and end. Every billing page request resolves its cookie here, in the
-- same statement as its work: `select api.billing_page(s.tenant_id, ...) from
-- api.billing_session($1) s`, so nothing runs for a bad cookie. A malformed, unknown,
-- ended or expired session is RC035.
create or replace function api.billing_session(p_token text)
returns table (tenant_id uuid, return_url text, expires_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  b core.billing_sessions;
begin
  if p_token is null or p_token !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[0-9a-f]{64}$' then
    raise exception 'no billing session' using errcode = 'RC035';
  end if;
  select * into b from core.billing_sessions x
   where x.tenant_id = split_part(p_token, '.', 1)::uuid
     and x.session_hash = sha256(convert_to(split_part(p_token, '.', 2), 'UTF8'));
  if not found or b.ended_at is not null then
    raise exception 'no billing session' using errcode = 'RC035';
  end if;
  if b.expires_at <= internal.now() then
    raise exception 'the billing session has expired'
      using errcode = 'RC035', hint = 'open billing again from your account';
  end if;
  return query select b.tenant_id, b.return_url, b.expires_at;
end
$$;

comment on function api.billing_session(text) is
  'The tenant, return URL and end of a live billing page session; RC035 otherwise.';
grant execute on function api.billing_session(text) to ratecard_service;
