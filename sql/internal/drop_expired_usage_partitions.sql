-- internal.drop_expired_usage_partitions(): detach and drop at most p_limit monthly
-- partitions of core.usage_events whose whole month is past the longest retention any
-- tenant has (internal.retention_cutoffs: the earliest cutoff), oldest first. Nothing is
-- dropped while any tenant's retention is unlimited, disabled, or not defined, nor when
-- there is no tenant. The default partition is never dropped. Returns the names dropped.
create or replace function internal.drop_expired_usage_partitions(p_feature text,
                                                                  p_limit integer)
returns text[]
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_keep_from timestamptz;
  v_dropped text[] := '{}';
  r record;
begin
  -- every tenant must have a finite retention: one without a row keeps everything
  if exists (select from core.tenants t
              where not exists (select from internal.retention_cutoffs(p_feature) c
                                 where c.tenant_id = t.tenant_id))
     or not exists (select from core.tenants) then
    return v_dropped;
  end if;
  select min(c.cutoff) into v_keep_from from internal.retention_cutoffs(p_feature) c;
  for r in
    select c.relname,
           pg_catalog.to_date(pg_catalog.right(c.relname, 6), 'YYYYMM') as month
      from pg_catalog.pg_inherits i
      join pg_catalog.pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'core.usage_events'::pg_catalog.regclass
       and c.relname ~ '^usage_events_[0-9]{6}$'
     order by c.relname
  loop
    exit when pg_catalog.array_length(v_dropped, 1) >= p_limit;
    -- the partition holds [month, month + 1 month): all of it past retention?
    exit when (r.month + interval '1 month')::timestamp at time zone 'UTC' > v_keep_from;
    execute pg_catalog.format('alter table core.usage_events detach partition core.%I',
                              r.relname);
    execute pg_catalog.format('drop table core.%I', r.relname);
    v_dropped := v_dropped || r.relname::text;
  end loop;
  return v_dropped;
end
$$;

comment on function internal.drop_expired_usage_partitions(text, integer) is
  'Detach and drop usage ledger months past every tenant''s retention (at most p_limit).';
