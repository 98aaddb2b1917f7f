-- internal.check_idempotency_key(): the one rule for idempotency keys, in api.consume,
-- api.record_usage and api.record_usage_batch: 1 to 255 printable ASCII characters
-- without spaces (U+0021..U+007E), so a key survives an HTTP header, a log line and a
-- copy and paste unchanged. Anything else is RC019 (invalid_idempotency_key) before
-- anything is written. Written as a length test and a search for one character outside
-- the range rather than '^[!-~]{1,255}$': PostgreSQL's regex engine expands the bounded
-- repetition into hundreds of states, which made the check the costliest step of a batch.
create or replace function internal.check_idempotency_key(p_key text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_key is not null and (pg_catalog.length(p_key) not between 1 and 255
                              or p_key ~ '[^!-~]') then
    raise exception 'idempotency key must be 1 to 255 printable ASCII characters without spaces'
      using errcode = 'RC019', detail = format('length %s', length(p_key)),
            hint = 'use a UUID or another short unique string';
  end if;
end
$$;

comment on function internal.check_idempotency_key(text) is
  'RC019 unless the idempotency key is null or 1..255 printable ASCII characters (U+0021..U+007E).';
