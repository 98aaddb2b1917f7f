-- internal.check_object_key(): the one canonical form of a storage object key, applied
-- alike by api.track_object and api.forget_object (and so by both HTTP routes): S3's own
-- limits (1 to 1,024 bytes of UTF-8, no control characters), and a plain relative path:
-- no leading "/", no empty segment ("a//b", a trailing "/"), no "." or ".." segment. Such
-- keys are refused rather than normalised, so that the key a caller tracks is exactly the
-- key it releases and the key S3 holds. RC020 (invalid_object_key) otherwise.
create or replace function internal.check_object_key(p_key text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_key is null or octet_length(p_key) not between 1 and 1024 then
    raise exception 'object key must be 1 to 1024 bytes of UTF-8'
      using errcode = 'RC020', detail = format('%s bytes', coalesce(octet_length(p_key), 0));
  end if;
  if p_key ~ '[\u0001-\u001f\u007f-\u009f]' then
    raise exception 'object key contains a control character' using errcode = 'RC020';
  end if;
  if p_key ~ '^/' or p_key ~ '//' or p_key ~ '/$' or p_key ~ '(^|/)\.\.?(/|$)' then
    raise exception 'object key % is not a plain relative path', pg_catalog.quote_literal(p_key)
      using errcode = 'RC020',
            hint = 'no leading or trailing "/", no empty, "." or ".." segments, e.g. docs/q3.pdf';
  end if;
end
$$;

comment on function internal.check_object_key(text) is
  'RC020 unless the key is 1..1024 bytes, without control characters, a plain relative path.';
