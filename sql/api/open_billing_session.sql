-- api.open_billing_session(): exchange a billing link's token (api.create_billing_session)
-- for a session: returns the session cookie's token, `<tenant id>.<64 hex>`, once, and when
-- the session ends (an hour after opening). The link works once and until it expires; a
-- malformed, unknown, used, expired or revoked link is RC035, with a message saying which
-- (the page shows it). Run by the billing page (GET /billing/enter) as ratecard_service.
create or replace function api.open_billing_session(p_link text)
returns table (token text, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_secret text := internal.new_secret();
  v_tenant uuid;
  b core.billing_sessions;
begin
  if p_link is null or p_link !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[0-9a-f]{64}$' then
    raise exception 'this billing link is not valid' using errcode = 'RC035';
  end if;
  v_tenant := split_part(p_link, '.', 1)::uuid;
  select * into b from core.billing_sessions x
   where x.tenant_id = v_tenant
     and x.link_hash = sha256(convert_to(split_part(p_link, '.', 2), 'UTF8'))
   for update;
  if not found then
    raise exception 'this billing link is not valid' using errcode = 'RC035';
  end if;
  if b.ended_at is not null then
    raise exception 'this billing link was revoked' using errcode = 'RC035';
  end if;
  if b.opened_at is not null then
    raise exception 'this billing link was already used'
      using errcode = 'RC035', hint = 'ask for a new link: links work once';
  end if;
  if b.link_expires_at <= v_now then
    raise exception 'this billing link has expired'
      using errcode = 'RC035', hint = 'ask for a new link';
  end if;
  update core.billing_sessions x
     set opened_at = v_now, session_hash = sha256(convert_to(v_secret, 'UTF8')),
         expires_at = v_now + interval '1 hour'
   where x.tenant_id = b.tenant_id and x.link_hash = b.link_hash;
  return query select v_tenant::text || '.' || v_secret, v_now + interval '1 hour';
end
$$;

comment on function api.open_billing_session(text) is
  'Exchange a billing link (once, before it expires) for a one-hour session token; RC035 otherwise.';
grant execute on function api.open_billing_session(text) to ratecard_service;
