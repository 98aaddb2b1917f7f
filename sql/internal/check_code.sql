-- internal.check_code(): the identifier rule for catalog codes (features, plans, add-ons):
-- lower-case ASCII letters, digits and _, starting with a letter, at most 63 characters,
-- so a code is safe in URLs, logs and Stripe metadata. RC018 (invalid_name) otherwise.
create or replace function internal.check_code(p_what text, p_code text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_code is null or p_code !~ '^[a-z][a-z0-9_]{0,62}$' then
    raise exception 'invalid % %', p_what, coalesce(pg_catalog.quote_literal(p_code), 'null')
      using errcode = 'RC018',
            hint = 'lower-case letters, digits and _, starting with a letter, at most 63';
  end if;
end
$$;

comment on function internal.check_code(text, text) is
  'RC018 unless the code is lower-case letters, digits and _, starting with a letter (1..63).';
