-- api.define_feature(): create a feature, or update its name, unit, reset and category.
--   kind:     switch (on/off) | metered (resets every p_reset) | gauge (a level, no reset)
--   reset:    hour | day | month | billing_period; only for metered (ignored otherwise)
--   durable:  false keeps the counter in an UNLOGGED table with no ledger (rate limits)
--   category: groups the catalog on admin pages (a code such as ai or storage); null keeps
--             the feature's category ('general' for a new one)
-- A feature's kind and durability never change once defined (its meters would lose their
-- meaning or be left behind in the other meter table): RC024. A bad code or name is
-- RC018, any other bad argument RC005.
create or replace function api.define_feature(
  p_code text,
  p_kind text,
  p_reset text default 'month',
  p_unit text default null,
  p_name text default null,
  p_durable boolean default true,
  p_category text default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_kind text;
  v_durable boolean;
begin
  perform internal.check_code('feature code', p_code);
  if p_kind is null or p_kind not in ('switch', 'metered', 'gauge') then
    raise exception 'invalid feature kind %', coalesce(p_kind, 'null')
      using errcode = 'RC005', hint = 'one of switch, metered, gauge';
  end if;
  if p_kind = 'metered'
     and (p_reset is null or p_reset not in ('hour', 'day', 'month', 'billing_period')) then
    raise exception 'invalid reset %', coalesce(p_reset, 'null')
      using errcode = 'RC005', hint = 'one of hour, day, month, billing_period';
  end if;
  if not coalesce(p_durable, true) and p_kind <> 'metered' then
    raise exception 'only metered features can be non-durable'
      using errcode = 'RC005', hint = 'non-durable is meant for rate-limit windows';
  end if;
  if p_name is not null then
    perform internal.check_name('feature name', p_name);
  end if;
  if p_unit is not null then
    perform internal.check_name('unit', p_unit, 32);
  end if;
  if p_category is not null then
    perform internal.check_code('feature category', p_category);
  end if;
  select f.kind, f.durable into v_kind, v_durable from core.features f
   where f.code = p_code for update;
  if found and v_kind <> p_kind then
    raise exception 'feature % is a %, its kind cannot change to %', p_code, v_kind, p_kind
      using errcode = 'RC024', hint = 'define a new feature code instead';
  end if;
  if found and v_durable <> coalesce(p_durable, true) then
    raise exception 'feature % cannot change between durable and non-durable', p_code
      using errcode = 'RC024',
            hint = 'its counts live in another table; define a new feature code instead';
  end if;
  insert into core.features (code, kind, reset, unit, name, durable, category)
  values (p_code, p_kind, case when p_kind = 'metered' then p_reset end, p_unit,
          coalesce(p_name, p_code), coalesce(p_durable, true), coalesce(p_category, 'general'))
  on conflict (code) do update
     set reset = excluded.reset, unit = excluded.unit, name = excluded.name,
         durable = excluded.durable,
         category = coalesce(p_category, core.features.category)
   where (core.features.reset, core.features.unit, core.features.name, core.features.durable,
          core.features.category)
         is distinct from (excluded.reset, excluded.unit, excluded.name, excluded.durable,
                           coalesce(p_category, core.features.category));
end
$$;

comment on function api.define_feature(text, text, text, text, text, boolean, text) is
  'Create or update a feature: kind switch|metered|gauge, reset hour|day|month|billing_period (metered only), unit, name, durable, category.';
grant execute on function api.define_feature(text, text, text, text, text, boolean, text)
  to ratecard_admin;
