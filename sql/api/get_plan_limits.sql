-- api.get_plan_limits(): a plan's whole limit set, one row per feature the plan has a row
-- for (a feature without one is disabled on the plan), as GET /v1/admin/plans/{code}/limits
-- answers and api.replace_plan_limits takes it: the grace in whole seconds. RC003 for an
-- unknown plan (not an empty set).
create or replace function api.get_plan_limits(p_plan text)
returns table (feature text, category text, kind text, unit text, "limit" bigint,
               enabled boolean, overage text, buffer_pct numeric, grace_seconds bigint,
               per_seat boolean)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.plans p where p.code = p_plan) then
    raise exception 'unknown plan %', coalesce(p_plan, 'null') using errcode = 'RC003';
  end if;
  return query
    select l.feature, f.category, f.kind, f.unit, l.limit_value, l.enabled, l.overage,
           l.buffer_pct, extract(epoch from l.grace)::bigint, l.per_seat
      from core.plan_limits l
      join core.features f on f.code = l.feature
     where l.plan = p_plan
     order by f.category, l.feature;
end
$$;

comment on function api.get_plan_limits(text) is
  'A plan''s limit set: feature, category, kind, unit, limit, enabled, overage, buffer_pct, grace_seconds, per_seat.';
grant execute on function api.get_plan_limits(text) to ratecard_service, ratecard_admin;
