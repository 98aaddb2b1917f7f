-- internal.new_secret(): 64 hexadecimal characters of randomness for session and link
-- tokens (two version-4 UUIDs: 244 random bits, from the server's strong random source,
-- as api.create_api_key uses). Only its SHA-256 is ever stored.
create or replace function internal.new_secret()
returns text
language sql
volatile
as $$
  select replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
$$;

comment on function internal.new_secret() is
  '64 hex characters (244 random bits) for a session or link token.';
