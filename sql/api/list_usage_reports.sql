-- requires: api/usage_reports.sql
-- api.list_usage_reports(): the admin list of usage reports (api.usage_reports), newest
-- first, by tenant and status (flagged: those waiting for an operator), bounded. A status
-- a report cannot have, or a limit outside 1 to 1000, is RC005.
create or replace function api.list_usage_reports(
  p_tenant_id uuid default null, p_status text default null, p_limit integer default 100
)
returns setof api.usage_reports
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_status is not null and p_status not in ('pending', 'sent', 'flagged', 'dismissed') then
    raise exception 'unknown usage report status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005', hint = 'one of pending, sent, flagged, dismissed';
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select r.* from api.usage_reports r
     where (p_tenant_id is null or r.tenant_id = p_tenant_id)
       and (p_status is null or r.status = p_status)
     order by r.report_id desc
     limit p_limit;
end
$$;

comment on function api.list_usage_reports(uuid, text, integer) is
  'Usage reports (api.usage_reports) by tenant and status, newest first (limit 1..1000).';
grant execute on function api.list_usage_reports(uuid, text, integer) to ratecard_admin;
