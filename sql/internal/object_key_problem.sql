-- internal.object_key_problem(): what is wrong with an object key, or null when it is in
-- the one canonical form: S3's own limits (1 to 1,024 bytes of UTF-8, no control
-- characters) and a plain relative path: no leading "/", no empty segment ("a//b", a
-- trailing "/"), no "." or ".." segment. internal.check_object_key raises it (RC020) for a
-- single key; set-based callers (S3 events, the reconciliation) use it to set such keys
-- aside as unattributed instead of failing a whole batch for one of them. Only immutable
-- operators, so PostgreSQL inlines it into those set-based queries.
create or replace function internal.object_key_problem(p_key text)
returns text
language sql
immutable
parallel safe
as $$
  select case
    when p_key is null or pg_catalog.octet_length(p_key) not between 1 and 1024
      then 'object key must be 1 to 1024 bytes of UTF-8'
    when p_key operator(pg_catalog.~) '[\u0001-\u001f\u007f-\u009f]'
      then 'object key contains a control character'
    when p_key operator(pg_catalog.~) '^/|//|/$|(^|/)\.\.?(/|$)'
      then 'object key ' operator(pg_catalog.||) pg_catalog.quote_literal(p_key)
           operator(pg_catalog.||) ' is not a plain relative path'
  end
$$;

comment on function internal.object_key_problem(text) is
  'Null when the key is in the canonical form (1..1024 bytes, no control characters, plain relative path); else why not.';
grant execute on function internal.object_key_problem(text)
  to ratecard_tenant, ratecard_service, ratecard_admin;
