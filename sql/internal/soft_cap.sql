-- internal.soft_cap(): the most a soft limit lets usage reach: limit plus its buffer,
-- rounded down (a 5% buffer on 5 MB allows 5,242,880 * 1.05 = 5,505,024 bytes).
create or replace function internal.soft_cap(p_limit bigint, p_buffer_pct numeric)
returns bigint
language sql
immutable
parallel safe
as $$
  select pg_catalog.floor(p_limit * (1 + p_buffer_pct / 100))::bigint
$$;

comment on function internal.soft_cap(bigint, numeric) is
  'Limit plus buffer percent, rounded down: the ceiling of a soft limit.';
grant execute on function internal.soft_cap(bigint, numeric)
  to ratecard_tenant, ratecard_service, ratecard_admin;
