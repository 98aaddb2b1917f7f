-- internal.sequencer_sort_key(): an S3 sequencer as a string that sorts in event order:
-- upper case, right-padded with zeros to 64 characters, in the "C" collation (byte order).
-- See internal.sequencer_cmp.
create or replace function internal.sequencer_sort_key(p_sequencer text)
returns text
language sql
immutable
parallel safe
as $$
  select pg_catalog.rpad(pg_catalog.upper(p_sequencer), 64, '0') collate "C"
$$;

comment on function internal.sequencer_sort_key(text) is
  'An S3 sequencer padded to sort in event order (upper case, zeros to 64, collation C).';
