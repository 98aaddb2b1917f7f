-- internal.approaching_limit(): the one "approaching the limit" rule, at or above 80% of a
-- positive limit. internal.usage_state says 'warning' from there on (until the limit is
-- passed) and api.usage_summary shows it as is_approaching_limit, so the two never differ.
-- The outbox's first threshold notification (internal.emit_thresholds) is at the same 80%.
-- A plain SQL function without SET clauses so that it is inlined where it is used.
create or replace function internal.approaching_limit(p_used bigint, p_limit bigint)
returns boolean
language sql
immutable
parallel safe
as $$
  select p_limit > 0 and p_used * 100 >= p_limit * 80
$$;

comment on function internal.approaching_limit(bigint, bigint) is
  'True at or above 80% of a positive limit (the warning state, is_approaching_limit).';
grant execute on function internal.approaching_limit(bigint, bigint)
  to ratecard_tenant, ratecard_service, ratecard_admin;
