-- internal.storage_attribute(): which tenant and category an object key belongs to under
-- the compiled key layout (internal.storage_layout: p_pattern, p_tenant_first, p_names).
-- Always one row:
--   tenant_id  the tenant the key names, or null: the key is outside the layout, not in
--              the canonical form (internal.object_key_problem), or names no tenant;
--   category   the category its category segment maps to (p_names), or null when the
--              segment names none.
-- An object is attributed when both are known; anything else is unattributed: counted and
-- reported, never an error. Set-based callers (event batches, listing pages) join it
-- laterally once per key (inlined; `offset 0` keeps the match from being computed once
-- per use). The pattern's tenant group only matches a UUID's text, so the cast cannot fail.
create or replace function internal.storage_attribute(
  p_key text, p_pattern text, p_tenant_first boolean, p_names jsonb
)
returns table (tenant_id uuid, category text)
language sql
stable
parallel safe
as $$
  select t.tenant_id,
         case when t.tenant_id is not null
              then p_names operator(pg_catalog.->>)
                     m.parts[case when p_tenant_first then 2 else 1 end] end
    from (select case when internal.object_key_problem(p_key) is null
                      then pg_catalog.regexp_match(p_key, p_pattern) end as parts
          offset 0) m
    left join core.tenants t
      on t.tenant_id = (m.parts[case when p_tenant_first then 1 else 2 end])::uuid
$$;

comment on function internal.storage_attribute(text, text, boolean, jsonb) is
  'Tenant and category of an object key under the key layout; nulls when unattributed.';
