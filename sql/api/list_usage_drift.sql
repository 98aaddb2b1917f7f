-- requires: api/usage_drift.sql
-- api.list_usage_drift(): the admin list of reconciliation drift (api.usage_drift), newest
-- check first: open drift only unless p_include_resolved, one tenant or all, bounded. A
-- limit outside 1 to 1000 is RC005. GET /v1/admin/usage-drift.
create or replace function api.list_usage_drift(
  p_tenant_id uuid default null, p_include_resolved boolean default false,
  p_limit integer default 100
)
returns setof api.usage_drift
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select d.* from api.usage_drift d
     where (p_tenant_id is null or d.tenant_id = p_tenant_id)
       and (coalesce(p_include_resolved, false) or d.resolved_at is null)
     order by d.checked_at desc, d.tenant_id, d.feature, d.period_start
     limit p_limit;
end
$$;

comment on function api.list_usage_drift(uuid, boolean, integer) is
  'Reconciliation drift (api.usage_drift): open only unless asked, one tenant or all, newest first (limit 1..1000).';
grant execute on function api.list_usage_drift(uuid, boolean, integer) to ratecard_admin;
