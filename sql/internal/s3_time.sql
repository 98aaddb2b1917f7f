-- internal.s3_time(): an S3 timestamp (eventTime, "2026-11-27T10:43:07.123Z") as a
-- timestamptz, or null when the text is not one: a record with a malformed time is still
-- ordered by its sequencer, it only loses the fallback ordering by time.
create or replace function internal.s3_time(p_text text)
returns timestamptz
language plpgsql
stable
parallel safe
set search_path = ''
as $$
begin
  if p_text ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$' then
    return p_text::timestamptz;
  end if;
  return null;
exception when others then
  return null;
end
$$;

comment on function internal.s3_time(text) is
  'An S3 ISO 8601 timestamp as timestamptz; null when malformed.';
