-- api.apply_stripe_subscription(): a subscription object read from Stripe's API (not from a
-- webhook) applied as a snapshot, so a lost webhook heals: sync_stripe_status reads every
-- live subscription hourly and hands each here. It counts as seen now (internal.now()):
-- webhook events created before now that arrive later are stale against it, later ones win
-- as usual (internal.apply_subscription_snapshot, as an update). The object must be the
-- tenant's subscription. Returns applied or stale. RC001 for an unknown tenant, RC005 for
-- an object that is not that tenant's subscription.
create or replace function api.apply_stripe_subscription(p_tenant_id uuid,
                                                         p_subscription jsonb)
returns text
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_sub text;
begin
  perform from core.tenants t where t.tenant_id = p_tenant_id for update;
  if not found then
    raise exception 'unknown tenant: %', p_tenant_id using errcode = 'RC001';
  end if;
  select s.stripe_subscription_id into v_sub from core.subscriptions s
   where s.tenant_id = p_tenant_id;
  if p_subscription->>'object' is distinct from 'subscription'
     or v_sub is distinct from p_subscription->>'id' then
    raise exception 'not the Stripe subscription of tenant %', p_tenant_id
      using errcode = 'RC005';
  end if;
  return internal.apply_subscription_snapshot(p_tenant_id, internal.now(), p_subscription,
                                              1::smallint);
end
$$;

comment on function api.apply_stripe_subscription(uuid, jsonb) is
  'Apply a subscription read from Stripe''s API as a snapshot seen now (sync_stripe_status).';
grant execute on function api.apply_stripe_subscription(uuid, jsonb) to ratecard_service;
