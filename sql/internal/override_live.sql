-- internal.override_live(): does a tenant override (core.entitlements.override_*) apply at
-- p_now? One definition for check_quota, consume, record_usage, the batch and the
-- entitlement report. Inlined by PostgreSQL (plain SQL, no SET clause; stable because
-- timestamptz comparison is).
create or replace function internal.override_live(
  p_override_enabled boolean, p_override_expires_at timestamptz, p_now timestamptz
)
returns boolean
language sql
stable
parallel safe
as $$
  select p_override_enabled is not null
         and (p_override_expires_at is null or p_override_expires_at > p_now)
$$;

comment on function internal.override_live(boolean, timestamptz, timestamptz) is
  'True when an entitlement''s override is set and not expired at p_now.';
grant execute on function internal.override_live(boolean, timestamptz, timestamptz)
  to ratecard_tenant, ratecard_service, ratecard_admin;
