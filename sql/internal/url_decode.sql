-- internal.url_decode(): decode an S3 event's object key. S3 URL-encodes keys in event
-- notifications as HTML forms do: '+' for a space, %XX for every other byte outside the
-- unreserved characters (a literal '+' arrives as %2B). A '%' not followed by two
-- hexadecimal digits is kept as it is. Null when the decoded bytes are not UTF-8 (such a
-- record is invalid, not an error that would refuse the whole notification).
create or replace function internal.url_decode(p_text text)
returns text
language plpgsql
stable
strict
parallel safe
set search_path = ''
as $$
begin
  return (
    select pg_catalog.convert_from(
             coalesce(pg_catalog.string_agg(
                        case when x.m[1] is not null then pg_catalog.decode(x.m[1], 'hex')
                             else pg_catalog.convert_to(x.m[2], 'UTF8') end,
                        ''::bytea order by x.o),
                      ''::bytea),
             'UTF8')
      from pg_catalog.regexp_matches(pg_catalog.replace(p_text, '+', ' '),
                                     '%([0-9A-Fa-f]{2})|([^%]+|%)', 'g')
           with ordinality as x(m, o));
exception
  when character_not_in_repertoire or untranslatable_character then
    return null;
end
$$;

comment on function internal.url_decode(text) is
  'Decode a URL-encoded S3 event key (+ for space, %XX bytes); null when not UTF-8.';
