-- internal.maintain_usage_partitions(): keep monthly partitions of core.usage_events ready
-- from the current month to p_months_ahead months ahead.
--
-- Chosen over pg_partman: this needs no extension created by a superuser on external
-- servers, and it enables row-level security on every new partition (a partition does not
-- inherit it). Rows that landed in the default partition for a month that now gets its own
-- partition are moved into it first, so attaching never fails. Run by every
-- `ratecard db migrate`; never needed for correctness (the default partition takes anything).
create or replace function internal.maintain_usage_partitions(p_months_ahead integer default 3)
returns integer
language plpgsql
volatile
security definer -- partitions are always owned by ratecard_owner, whoever runs the upkeep
set search_path = ''
as $$
declare
  v_month date := date_trunc('month', internal.now() at time zone 'UTC')::date;
  v_from date;
  v_to date;
  v_name text;
  v_made integer := 0;
begin
  for i in 0 .. greatest(p_months_ahead, 0) loop
    v_from := (v_month + make_interval(months => i))::date;
    v_to := (v_from + interval '1 month')::date;
    v_name := 'usage_events_' || to_char(v_from, 'YYYYMM');
    continue when to_regclass('core.' || v_name) is not null;
    execute format('create table core.%I (like core.usage_events including defaults)', v_name);
    execute format(
      'with moved as (delete from core.usage_events_default
                       where occurred_at >= %L::timestamptz and occurred_at < %L::timestamptz
                       returning *)
       insert into core.%I select * from moved',
      v_from::text || ' 00:00 UTC', v_to::text || ' 00:00 UTC', v_name);
    execute format(
      'alter table core.usage_events attach partition core.%I
         for values from (%L) to (%L)',
      v_name, v_from::text || ' 00:00 UTC', v_to::text || ' 00:00 UTC');
    execute format('alter table core.%I enable row level security', v_name);
    v_made := v_made + 1;
  end loop;
  return v_made;
end
$$;

comment on function internal.maintain_usage_partitions(integer) is
  'Create monthly partitions of core.usage_events up to p_months_ahead months ahead.';
