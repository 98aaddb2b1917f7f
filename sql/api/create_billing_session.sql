-- api.create_billing_session(): a link to the tenant's billing page, for a host application
-- to send its signed-in user to (POST /v1/tenants/{id}/billing-session). Returns the link's
-- token, `<tenant id>.<64 hex>`, once; only its SHA-256 is stored. The link is short-lived
-- (p_ttl_seconds, 60 to 3600, default 900) and single-use: api.open_billing_session
-- exchanges it for a session cookie. p_return_url (http or https, at most 2000 characters)
-- is where the page's "back" link goes. The tenant's sessions that ended or expired more
-- than a day ago are deleted here, so the table stays small without a job.
-- Errors: RC001 unknown tenant, RC005 a TTL out of range or a bad return URL.
create or replace function api.create_billing_session(
  p_tenant_id uuid, p_ttl_seconds integer default 900, p_return_url text default null
)
returns table (token text, expires_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_secret text := internal.new_secret();
  v_expires timestamptz;
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  if p_ttl_seconds is null or p_ttl_seconds not between 60 and 3600 then
    raise exception 'a billing link lives 60 to 3600 seconds, got %', p_ttl_seconds
      using errcode = 'RC005', hint = 'links are short-lived; the session it opens lasts an hour';
  end if;
  if p_return_url is not null
     and (p_return_url !~ '^https?://[^[:space:][:cntrl:]]+$' or length(p_return_url) > 2000) then
    raise exception 'return URL must be an http or https URL of at most 2000 characters'
      using errcode = 'RC005';
  end if;
  delete from core.billing_sessions b
   where b.tenant_id = p_tenant_id
     and coalesce(b.ended_at, greatest(b.link_expires_at, b.expires_at)) < v_now - interval '1 day';
  v_expires := v_now + make_interval(secs => p_ttl_seconds);
  insert into core.billing_sessions (tenant_id, link_hash, link_expires_at, return_url, created_at)
  values (p_tenant_id, sha256(convert_to(v_secret, 'UTF8')), v_expires, p_return_url, v_now);
  return query select p_tenant_id::text || '.' || v_secret, v_expires;
end
$$;

comment on function api.create_billing_session(uuid, integer, text) is
  'A single-use, short-lived link token to the tenant''s billing page (shown once; stored hashed).';
grant execute on function api.create_billing_session(uuid, integer, text)
  to ratecard_service, ratecard_admin;
