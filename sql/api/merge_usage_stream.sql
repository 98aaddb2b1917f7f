-- api.merge_usage_stream(): bulk ingestion, step 3 (after api.open_usage_stream and a COPY
-- into pg_temp.usage_stream, in the same transaction): record every staged event exactly
-- once by its idempotency key, as api.record_usage_batch does, in a few set-based
-- statements (internal.merge_usage_stream). Any bad row rejects the whole stream with the
-- row's `line` in the message and DETAIL (RC004, RC005, RC019, RC001, RC002, RC009, RC006)
-- and nothing is written. Returns how many events were accepted and how many were
-- duplicates (keys already recorded, or repeated in the stream).
create or replace function api.merge_usage_stream()
returns table (accepted bigint, duplicates bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if to_regclass('pg_temp.usage_stream') is null then
    raise exception 'no usage stream is open in this session'
      using errcode = 'RC005',
            hint = 'call api.open_usage_stream() and COPY into pg_temp.usage_stream first, in the same transaction';
  end if;
  return query select * from internal.merge_usage_stream('line');
end
$$;

comment on function api.merge_usage_stream() is
  'Bulk ingestion, step 3: record the staged events once per idempotency key. Returns accepted and duplicates.';
grant execute on function api.merge_usage_stream() to ratecard_service, ratecard_admin;
