-- api.claim_usage_reports(): claim one tenant's unreported billed usage into usage reports
-- now (internal.claim_usage_reports: one transaction, one report per feature and billing
-- period). The reporting job does this for every tenant on its schedule; the worker's
-- send job calls it for its tenant before sending, so a run sends what is there. Returns
-- how many reports were made. RC001 for an unknown tenant.
create or replace function api.claim_usage_reports(p_tenant_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    raise exception 'unknown tenant %', coalesce(p_tenant_id::text, 'null') using errcode = 'RC001';
  end if;
  return internal.claim_usage_reports(p_tenant_id);
end
$$;

comment on function api.claim_usage_reports(uuid) is
  'Claim a tenant''s unreported billed usage into usage reports; returns how many were made.';
grant execute on function api.claim_usage_reports(uuid) to ratecard_service, ratecard_admin;
