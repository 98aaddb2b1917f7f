-- internal.check_idempotency_key(): reject keys the ledger cannot store (empty or longer
-- than 255 characters) with RC005 before anything is written.
create or replace function internal.check_idempotency_key(p_key text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_key is not null and (length(p_key) = 0 or length(p_key) > 255) then
    raise exception 'idempotency key must be 1 to 255 characters, got %', length(p_key)
      using errcode = 'RC005', hint = 'use a UUID or another short unique string';
  end if;
end
$$;

comment on function internal.check_idempotency_key(text) is
  'RC005 unless the idempotency key is null or 1..255 characters.';
