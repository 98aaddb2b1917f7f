-- api.cancel_addon(): a tenant cancels an add-on. It was paid for the current period, so
-- its grants keep counting until the period ends (ends_at = the subscription's
-- current_period_end, or now without a period); then api.end_due_addons ends it and the
-- worker removes the Stripe item without proration. Cancelling again returns the same
-- end; buying it again before then resumes it (api.prepare_addon_purchase). One outbox row.
-- Errors: RC001 unknown tenant, RC008 the tenant holds no such active add-on.
create or replace function api.cancel_addon(p_tenant_id uuid, p_addon text)
returns table (addon text, ends_at timestamptz, billed_by_stripe boolean)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  ta core.tenant_addons;
  v_end timestamptz;
begin
  if not exists (select from core.tenants t where t.tenant_id = p_tenant_id) then
    perform internal.raise_not_entitled(p_tenant_id, null);
  end if;
  select * into ta from core.tenant_addons x
   where x.tenant_id = p_tenant_id and x.addon = p_addon and x.status = 'active'
     for update;
  if not found then
    raise exception 'the tenant holds no active add-on %', coalesce(p_addon, 'null')
      using errcode = 'RC008', hint = 'see GET /v1/billing/my-addons';
  end if;
  v_end := ta.ends_at;
  if v_end is null then
    select greatest(coalesce(s.current_period_end, internal.now()), internal.now()) into v_end
      from core.subscriptions s
     where s.tenant_id = p_tenant_id and s.status in ('trialing', 'active', 'past_due');
    v_end := coalesce(v_end, internal.now());
    update core.tenant_addons x set ends_at = v_end
     where x.tenant_id = p_tenant_id and x.addon = p_addon;
    perform internal.notify(p_tenant_id, 'addon_cancel_scheduled',
      jsonb_build_object('addon', p_addon, 'ends_at', v_end));
  end if;
  return query select p_addon, v_end, ta.stripe_item_id is not null;
end
$$;

comment on function api.cancel_addon(uuid, text) is
  'Cancel a tenant''s add-on at the end of the paid period; returns when its grants end.';
grant execute on function api.cancel_addon(uuid, text) to ratecard_service, ratecard_admin;
