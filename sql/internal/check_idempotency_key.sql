-- internal.check_idempotency_key(): RC019 (invalid_idempotency_key) before anything is
-- written, in api.consume, api.record_usage and api.correct_usage, for a key that breaks
-- internal.idempotency_key_ok's rule. A null key (none given) passes.
create or replace function internal.check_idempotency_key(p_key text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_key is not null and not internal.idempotency_key_ok(p_key) then
    raise exception 'idempotency key must be 1 to 255 printable ASCII characters without spaces'
      using errcode = 'RC019', detail = format('length %s', length(p_key)),
            hint = 'use a UUID or another short unique string';
  end if;
end
$$;

comment on function internal.check_idempotency_key(text) is
  'RC019 unless the idempotency key is null or 1..255 printable ASCII characters (U+0021..U+007E).';
