-- api.replace_plan_limits(): replace a plan's whole limit set in one transaction (the admin
-- plan editor's save, PUT /v1/admin/plans/{code}/limits). p_limits is a JSON array of
-- objects {feature, limit, enabled, overage, buffer_pct, grace_seconds, per_seat}; only
-- feature is required (limit null or absent = unlimited, enabled true, overage block,
-- buffer_pct 0, grace_seconds null = no deadline, per_seat false). A feature missing from
-- the set loses its row, which disables it on the plan. Every entry is checked before
-- anything is written (internal.check_plan_limit, as api.set_plan_limit), so a bad entry
-- changes nothing. Entitlements of every tenant follow in the same transaction. Returns
-- the new set (api.get_plan_limits).
-- Errors: RC003 unknown plan, RC002 unknown feature, RC004 negative limit, RC005 not an
-- array, an entry without feature, a feature twice, a bad overage, buffer or grace.
create or replace function api.replace_plan_limits(p_plan text, p_limits jsonb)
returns table (feature text, category text, kind text, unit text, "limit" bigint,
               enabled boolean, overage text, buffer_pct numeric, grace_seconds bigint,
               per_seat boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  e record;
begin
  perform 1 from core.plans p where p.code = p_plan for update;
  if not found then
    raise exception 'unknown plan %', coalesce(p_plan, 'null') using errcode = 'RC003';
  end if;
  if p_limits is null or jsonb_typeof(p_limits) <> 'array' then
    raise exception 'limits must be a JSON array' using errcode = 'RC005';
  end if;
  if exists (select from jsonb_array_elements(p_limits) x(v)
              where jsonb_typeof(x.v) <> 'object' or x.v->>'feature' is null) then
    raise exception 'every limit needs a feature' using errcode = 'RC005';
  end if;
  for e in
    select x.feature, x."limit", coalesce(x.overage, 'block') as overage,
           coalesce(x.buffer_pct, 0) as buffer_pct,
           x.grace_seconds * interval '1 second' as grace,
           count(*) over (partition by x.feature) as times,
           exists (select from core.features f where f.code = x.feature) as known
      from jsonb_to_recordset(p_limits) as x(feature text, "limit" bigint, overage text,
                                            buffer_pct numeric, grace_seconds bigint)
  loop
    if not e.known then
      raise exception 'unknown feature %', e.feature
        using errcode = 'RC002', hint = 'define it with api.define_feature';
    end if;
    if e.times > 1 then
      raise exception 'feature % appears twice', e.feature using errcode = 'RC005';
    end if;
    perform internal.check_plan_limit(e."limit", e.overage, e.buffer_pct, e.grace);
  end loop;
  delete from core.plan_limits l
   where l.plan = p_plan
     and l.feature not in (select x.feature from jsonb_to_recordset(p_limits) x(feature text));
  insert into core.plan_limits as l (plan, feature, limit_value, enabled, overage, buffer_pct,
                                     grace, per_seat)
  select p_plan, x.feature, x."limit", coalesce(x.enabled, true), coalesce(x.overage, 'block'),
         coalesce(x.buffer_pct, 0), x.grace_seconds * interval '1 second',
         coalesce(x.per_seat, false)
    from jsonb_to_recordset(p_limits) as x(feature text, "limit" bigint, enabled boolean,
                                          overage text, buffer_pct numeric,
                                          grace_seconds bigint, per_seat boolean)
  on conflict on constraint plan_limits_pkey do update
     set limit_value = excluded.limit_value, enabled = excluded.enabled,
         overage = excluded.overage, buffer_pct = excluded.buffer_pct,
         grace = excluded.grace, per_seat = excluded.per_seat
   where (l.limit_value, l.enabled, l.overage, l.buffer_pct, l.grace, l.per_seat)
         is distinct from (excluded.limit_value, excluded.enabled, excluded.overage,
                           excluded.buffer_pct, excluded.grace, excluded.per_seat);
  return query select * from api.get_plan_limits(p_plan);
end
$$;

comment on function api.replace_plan_limits(text, jsonb) is
  'Replace a plan''s whole limit set (JSON array of {feature, limit, enabled, overage, buffer_pct, grace_seconds, per_seat}) in one transaction.';
grant execute on function api.replace_plan_limits(text, jsonb) to ratecard_admin;
