-- internal.unprintable(): does a text hold a character that a person cannot see or that
-- changes how the text around it reads? Unicode categories Cc (controls: U+0001..U+001F,
-- DEL, the C1 block) and Cf (format: soft hyphen, zero-width spaces and joiners, the
-- bidirectional embeddings, overrides and isolates such as U+202E, word joiners, the BOM,
-- interlinear annotations, tags...), plus the line and paragraph separators U+2028/U+2029.
-- Such characters let one name pose as another ("admin\u200b", "\u202etxt.exe"), so names
-- and e-mail addresses refuse them (internal.check_name, internal.email_ok). NUL never
-- reaches here: PostgreSQL text cannot hold it (the HTTP layer refuses it with 422).
-- A plain SQL function without SET clauses so that it is inlined where it is used.
create or replace function internal.unprintable(p_text text)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_text ~ '[\u0001-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]'
$$;

comment on function internal.unprintable(text) is
  'True when the text holds a control (Cc), format (Cf) or line/paragraph separator character.';
