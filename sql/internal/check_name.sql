-- internal.check_name(): the one rule for names people read (tenants, plans, add-ons,
-- features, API keys), so that every caller, over HTTP or straight in SQL, meets the same
-- rule: 1 to p_max characters, not only whitespace, and nothing invisible or
-- direction-changing (internal.unprintable: Unicode Cc and Cf, U+2028/U+2029). A name
-- that breaks it is RC018 (invalid_name), and the message says which name (p_what).
create or replace function internal.check_name(p_what text, p_name text, p_max integer default 200)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_name is null or length(p_name) not between 1 and p_max then
    raise exception '% must be 1 to % characters', p_what, p_max
      using errcode = 'RC018', detail = format('length %s', coalesce(length(p_name), 0));
  end if;
  if p_name ~ '^[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*$' then
    raise exception '% cannot be only whitespace', p_what
      using errcode = 'RC018', hint = 'give it a visible name';
  end if;
  if internal.unprintable(p_name) then
    raise exception '% contains a control, format or bidirectional character', p_what
      using errcode = 'RC018',
            hint = 'names refuse Unicode categories Cc and Cf (e.g. U+200B, U+202E)';
  end if;
end
$$;

comment on function internal.check_name(text, text, integer) is
  'RC018 unless the name is 1..p_max characters, not only whitespace, without Cc/Cf characters.';
