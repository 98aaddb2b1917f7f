-- api.check_quota_many(): many quota checks in one statement, answered in order.
--
-- What a process answering many concurrent checks sends instead of one statement each
-- (the HTTP API does, api/checks.py): on a busy API most of a check's cost is its own
-- round trip and statement (the message, SET ROLE, parse, plan, commit, on both sides of
-- the socket), not the rule. Each element is api.check_quota itself, so the answer is
-- exactly the single check's. Read-only, like it.
--
-- The three arrays are read side by side (element n of each is check n); they must have
-- the same length (RC005), at most 1,000 checks. Any element's error (RC004, RC001, RC002,
-- RC010) fails the whole statement, as the single check would have failed: a caller that
-- needs each check's own outcome asks again, check by check, when that happens.
create or replace function api.check_quota_many(
  p_tenant_ids uuid[], p_features text[], p_amounts bigint[]
)
returns table (n integer, allowed boolean)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  if p_tenant_ids is null or p_features is null or p_amounts is null
     or pg_catalog.cardinality(p_tenant_ids) <> pg_catalog.cardinality(p_features)
     or pg_catalog.cardinality(p_tenant_ids) <> pg_catalog.cardinality(p_amounts) then
    raise exception 'tenant ids, features and amounts must be arrays of the same length'
      using errcode = 'RC005', hint = 'element n of each array is check n';
  end if;
  if pg_catalog.cardinality(p_tenant_ids) > 1000 then
    raise exception 'at most 1000 checks in one call, not %',
      pg_catalog.cardinality(p_tenant_ids)
      using errcode = 'RC005', hint = 'split the checks into several calls';
  end if;
  return query
    select c.n::integer, api.check_quota(c.tenant_id, c.feature, c.amount)
      from unnest(p_tenant_ids, p_features, p_amounts) with ordinality
           as c(tenant_id, feature, amount, n)
     order by c.n;
end
$$;

comment on function api.check_quota_many(uuid[], text[], bigint[]) is
  'api.check_quota for each (tenant, feature, amount) of three arrays read side by side, in order (n from 1).';
grant execute on function api.check_quota_many(uuid[], text[], bigint[])
  to ratecard_service, ratecard_admin;
