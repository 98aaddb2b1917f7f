-- internal.check_webhook_url(): the shape of a webhook endpoint URL: http or https, a host,
-- no user or password, no spaces, at most 2,000 characters (RC030). Where the host may be
-- (https only, no private, loopback or link-local addresses outside development mode) is
-- decided by the HTTP layer and the worker, which resolve names (ratecard/notify/urls.py).
create or replace function internal.check_webhook_url(p_url text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_url is null or pg_catalog.length(p_url) > 2000
     or p_url !~ '^https?://[^\s/?#@]+(/[^\s]*)?$' then
    raise exception 'a webhook URL is http(s)://host[:port][/path], without credentials'
      using errcode = 'RC030', detail = pg_catalog.left(p_url, 200);
  end if;
end
$$;

comment on function internal.check_webhook_url(text) is
  'RC030 unless p_url is an http(s) URL with a host and no credentials.';
revoke execute on function internal.check_webhook_url(text) from public;
