-- internal.idempotency_key_ok(): the one rule for idempotency keys: 1 to 255 printable
-- ASCII characters without spaces (U+0021..U+007E), so a key survives an HTTP header, a
-- log line and a copy and paste unchanged. internal.check_idempotency_key raises RC019 by
-- it for one key; the bulk paths (internal.merge_usage_stream, api.record_usage_batch)
-- test every staged row with it in one statement, where PostgreSQL inlines it.
-- Written as a length test and a search for one character outside the range rather than
-- '^[!-~]{1,255}$': PostgreSQL's regex engine expands the bounded repetition into
-- hundreds of states, which made the check the costliest step of a batch.
create or replace function internal.idempotency_key_ok(p_key text)
returns boolean
language sql
immutable
parallel safe
as $$
  select pg_catalog.length(p_key) between 1 and 255 and p_key !~ '[^!-~]'
$$;

comment on function internal.idempotency_key_ok(text) is
  'True if the key is 1..255 printable ASCII characters without spaces (null for null).';
