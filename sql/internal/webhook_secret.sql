-- internal.webhook_secret(): a new endpoint signing secret in the Standard Webhooks form,
-- `whsec_` and base64. 32 bytes from two gen_random_uuid() values (PostgreSQL's strong
-- random source; 244 of their 256 bits are random), so no extension is needed.
create or replace function internal.webhook_secret()
returns text
language sql
volatile
as $$
  select 'whsec_' || pg_catalog.encode(
           pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::text
                                                || pg_catalog.gen_random_uuid()::text, '-', ''),
                             'hex'),
           'base64')
$$;

comment on function internal.webhook_secret() is
  'A new webhook signing secret: whsec_ and 32 random bytes in base64.';
revoke execute on function internal.webhook_secret() from public;
