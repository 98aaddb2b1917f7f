-- internal.sequencer_cmp(): compare two S3 event sequencers of the same key: -1, 0 or 1.
-- S3 documents them as hexadecimal strings of possibly different lengths, compared by
-- right-padding the shorter with zeros and then comparing the strings; the greater is the
-- later event. Both are upper-cased first (S3 sends upper case; stored ones are). Padding
-- both to 64 characters (the longest accepted) orders them the same way, which is what
-- internal.sequencer_sort_key gives sorts and indexes.
create or replace function internal.sequencer_cmp(p_a text, p_b text)
returns integer
language sql
immutable
parallel safe
as $$
  select case
    when internal.sequencer_sort_key(p_a) operator(pg_catalog.=) internal.sequencer_sort_key(p_b)
      then 0
    when internal.sequencer_sort_key(p_a) operator(pg_catalog.<) internal.sequencer_sort_key(p_b)
      then -1
    else 1
  end
$$;

comment on function internal.sequencer_cmp(text, text) is
  'Order of two S3 sequencers of one key (-1, 0, 1): right-padded with zeros, compared as strings.';
