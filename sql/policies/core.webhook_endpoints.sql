-- core.webhook_endpoints: a tenant reads its own endpoints (not platform-wide ones, which
-- belong to the administrator); admins read all. The signing secrets (secret,
-- previous_secret) are readable by no runtime role: the column privileges below leave them
-- out, so even `select *` as a tenant or admin is refused. Only api.claim_notification_
-- deliveries (security definer, for the worker) reads them. Writes go through api functions.
drop policy if exists tenant_read on core.webhook_endpoints;
create policy tenant_read on core.webhook_endpoints
  for select to ratecard_tenant
  using (tenant_id = (select internal.current_tenant_id()));
drop policy if exists admin_read on core.webhook_endpoints;
create policy admin_read on core.webhook_endpoints
  for select to ratecard_admin
  using (true);
revoke all on core.webhook_endpoints from ratecard_tenant, ratecard_service, ratecard_admin;
grant select (endpoint_id, tenant_id, url, event_types, description, previous_secret_until,
              enabled, disabled_reason, disabled_at, created_at, deleted_at)
  on core.webhook_endpoints to ratecard_tenant, ratecard_admin;
