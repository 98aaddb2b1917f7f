-- internal.compile_key_layout(): check an object key layout and turn it into what the
-- storage rules use. A layout is a path of segments, each either literal text or exactly
-- one placeholder: {tenant_id} and {category} once each, and {rest} once, as the last
-- segment (default tenants/{tenant_id}/{category}/{rest}). It compiles to:
--   pattern        an anchored regular expression with two groups, tenant and category in
--                  the order they appear (tenant_first says which comes first);
--   prefix         the literal segments before the first placeholder (what every
--                  attributed key starts with: the listing prefix of a full reconciliation);
--   tenant_prefix  for a layout whose tenant comes before its category, the listing prefix
--                  of one tenant with {tenant_id} left in it; null otherwise.
-- RC005 for a layout that breaks these rules.
create or replace function internal.compile_key_layout(p_layout text)
returns table (pattern text, tenant_first boolean, prefix text, tenant_prefix text)
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_segments text[];
  v_seg text;
  v_parts text[] := '{}';
  v_tenant integer;
  v_category integer;
  v_rest integer;
  v_first integer;
  i integer;
begin
  if p_layout is null or internal.object_key_problem(p_layout) is not null
     or octet_length(p_layout) > 512 then
    raise exception 'key layout % is not a plain relative path of at most 512 bytes',
      coalesce(quote_literal(p_layout), 'null')
      using errcode = 'RC005', hint = 'e.g. tenants/{tenant_id}/{category}/{rest}';
  end if;
  v_segments := string_to_array(p_layout, '/');
  for i in 1 .. cardinality(v_segments) loop
    v_seg := v_segments[i];
    if v_seg = '{tenant_id}' and v_tenant is null then
      v_tenant := i;
      v_parts := v_parts || '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})'::text;
    elsif v_seg = '{category}' and v_category is null then
      v_category := i;
      v_parts := v_parts || '([^/]+)'::text;
    elsif v_seg = '{rest}' and v_rest is null then
      v_rest := i;
      v_parts := v_parts || '.+'::text;
    elsif v_seg ~ '[{}]' then
      raise exception 'key layout %: segment % is not a placeholder used once',
        quote_literal(p_layout), quote_literal(v_seg)
        using errcode = 'RC005',
              hint = 'placeholders are {tenant_id}, {category} and {rest}, each a whole segment, once';
    else
      v_parts := v_parts || regexp_replace(v_seg, '([.^$*+?()\[\]\\|-])', '\\\1', 'g');
    end if;
  end loop;
  if v_tenant is null or v_category is null or v_rest is distinct from cardinality(v_segments) then
    raise exception 'key layout % needs {tenant_id}, {category} and, last, {rest}',
      quote_literal(p_layout)
      using errcode = 'RC005', hint = 'e.g. tenants/{tenant_id}/{category}/{rest}';
  end if;
  v_first := least(v_tenant, v_category);
  pattern := '^' || array_to_string(v_parts, '/') || '$';
  tenant_first := v_tenant < v_category;
  prefix := case when v_first = 1 then ''
                 else array_to_string(v_segments[1 : v_first - 1], '/') || '/' end;
  tenant_prefix := case when v_tenant < v_category
                        then array_to_string(v_segments[1 : v_tenant], '/') || '/' end;
  return next;
end
$$;

comment on function internal.compile_key_layout(text) is
  'Check an object key layout (segments; {tenant_id}, {category}, last {rest}) and compile it to a pattern and prefixes.';
