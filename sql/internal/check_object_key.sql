-- internal.check_object_key(): the one canonical form of a storage object key, applied
-- alike by api.track_object, api.forget_object and api.create_upload (and so by their HTTP
-- routes): S3's own limits (1 to 1,024 bytes of UTF-8, no control characters), and a plain
-- relative path: no leading "/", no empty segment ("a//b", a trailing "/"), no "." or ".."
-- segment. Such keys are refused rather than normalised, so that the key a caller tracks
-- is exactly the key it releases and the key S3 holds. RC020 (invalid_object_key)
-- otherwise. The rule itself is internal.object_key_problem, shared with the set-based
-- callers (S3 events, reconciliation), which count such keys as unattributed.
create or replace function internal.check_object_key(p_key text)
returns void
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_problem text := internal.object_key_problem(p_key);
begin
  if v_problem is null then
    return;
  end if;
  if p_key is null or octet_length(p_key) not between 1 and 1024 then
    raise exception '%', v_problem
      using errcode = 'RC020', detail = format('%s bytes', coalesce(octet_length(p_key), 0));
  end if;
  if v_problem like '%not a plain relative path' then
    raise exception '%', v_problem
      using errcode = 'RC020',
            hint = 'no leading or trailing "/", no empty, "." or ".." segments, e.g. docs/q3.pdf';
  end if;
  raise exception '%', v_problem using errcode = 'RC020';
end
$$;

comment on function internal.check_object_key(text) is
  'RC020 unless the key is 1..1024 bytes, without control characters, a plain relative path.';
