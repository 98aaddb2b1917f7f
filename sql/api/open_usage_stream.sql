-- api.open_usage_stream(): the first step of bulk ingestion by COPY. Makes sure this
-- session has its staging table, pg_temp.usage_stream (one per session, created on first
-- use, emptied at every commit), which the caller may then fill with COPY:
--
--   begin;
--   select api.open_usage_stream();
--   copy pg_temp.usage_stream (line, tenant_id, feature, amount, idempotency_key,
--                              occurred_at, properties) from stdin;
--   select * from api.merge_usage_stream();
--   commit;
--
-- The table is created by the owner (this function is security definer: runtime roles may
-- not create tables), lives only in the caller's session and grants its caller's roles
-- INSERT and nothing else. `line` is the caller's own numbering, quoted back in errors.
create or replace function api.open_usage_stream()
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if to_regclass('pg_temp.usage_stream') is null then
    create temporary table usage_stream (
      line            bigint,
      tenant_id       uuid,
      feature         text,
      amount          bigint,
      idempotency_key text,
      occurred_at     timestamptz,
      properties      jsonb
    ) on commit delete rows;
    grant insert on table pg_temp.usage_stream to ratecard_service, ratecard_admin;
  end if;
end
$$;

comment on function api.open_usage_stream() is
  'Bulk ingestion, step 1: this session''s staging table pg_temp.usage_stream, ready for COPY.';
grant execute on function api.open_usage_stream() to ratecard_service, ratecard_admin;
