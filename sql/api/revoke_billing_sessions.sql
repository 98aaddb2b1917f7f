-- api.revoke_billing_sessions(): end every billing link and session of a tenant now (a
-- user left the host application, a link went to the wrong person). Returns how many links
-- and sessions were still usable. RC001 for an unknown tenant.
create or replace function api.revoke_billing_sessions(p_tenant_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
  v_count integer;
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  update core.billing_sessions x
     set ended_at = v_now
   where x.tenant_id = p_tenant_id
     and x.ended_at is null
     and (x.expires_at > v_now or (x.opened_at is null and x.link_expires_at > v_now));
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function api.revoke_billing_sessions(uuid) is
  'End all of a tenant''s billing links and sessions now; returns how many were usable.';
grant execute on function api.revoke_billing_sessions(uuid) to ratecard_service, ratecard_admin;
