-- internal.sync_billing_state(): derive a tenant's subscription status, dunning and tenant
-- status from the stored Stripe facts, and write outbox rows for what changed.
--
-- Facts: the newest subscription snapshot (stripe_status at stripe_event_at) and every
-- payment attempt (core.payment_attempts). Derivation, independent of delivery order:
--   * an unresolved failure is a failed attempt newer than the newest success;
--   * snapshot active + an unresolved failure newer than the snapshot -> past_due;
--   * snapshot past_due or unpaid + a success newer than the snapshot and no unresolved
--     failure -> active (a later successful payment restores everything);
--   * snapshot trialing, and api.expire_trials lapsed that same trial (it ended without a
--     payment method and Stripe said nothing since) -> canceled: the free plan;
--   * otherwise the snapshot's status.
-- past_due_since is the first unresolved failure. Billing suspends the tenant while unpaid
-- or when Stripe cancelled for non-payment (core.tenants.billing_suspended); the tenant's
-- status is suspended while billing or an administrator (admin_suspended) suspends it, so
-- neither lifts the other's suspension. Going back to active clears the dunning
-- restriction. The caller holds the tenant row lock.
create or replace function internal.sync_billing_state(p_tenant_id uuid)
returns text
language plpgsql
volatile
set search_path = ''
as $$
declare
  s core.subscriptions;
  v_last_success timestamptz;
  v_first_failure timestamptz;
  v_last_failure timestamptz;
  v_status text;
  v_since timestamptz;
  v_billing_suspended boolean;
  t core.tenants;
begin
  select * into s from core.subscriptions x where x.tenant_id = p_tenant_id for update;
  if not found or s.stripe_status is null then
    return null;
  end if;
  select max(a.attempted_at) filter (where a.succeeded) into v_last_success
    from core.payment_attempts a where a.tenant_id = p_tenant_id;
  select min(a.attempted_at), max(a.attempted_at) into v_first_failure, v_last_failure
    from core.payment_attempts a
   where a.tenant_id = p_tenant_id and not a.succeeded
     and a.attempted_at > coalesce(v_last_success, '-infinity');

  v_status := case
    when s.stripe_status = 'active' and v_last_failure > s.stripe_event_at then 'past_due'
    when s.stripe_status in ('past_due', 'unpaid') and v_first_failure is null
         and v_last_success > s.stripe_event_at then 'active'
    when s.stripe_status = 'trialing' and s.trial_end <= s.trial_lapsed_at then 'canceled'
    else s.stripe_status
  end;
  v_since := case when v_status in ('past_due', 'unpaid')
                  then coalesce(v_first_failure, s.stripe_event_at) end;
  v_billing_suspended := v_status = 'unpaid'
    or (v_status = 'canceled' and s.cancel_reason is not distinct from 'payment_failed');

  update core.subscriptions x
     set status = v_status,
         past_due_since = v_since,
         restricted = x.restricted and v_status in ('past_due', 'unpaid'),
         updated_at = internal.now()
   where x.tenant_id = p_tenant_id
     and (x.status, x.past_due_since, x.restricted)
         is distinct from (v_status, v_since, x.restricted and v_status in ('past_due', 'unpaid'));

  select * into t from core.tenants x where x.tenant_id = p_tenant_id;
  if t.billing_suspended is distinct from v_billing_suspended then
    update core.tenants x
       set billing_suspended = v_billing_suspended,
           status = case when v_billing_suspended or x.admin_suspended then 'suspended'
                         else 'active' end
     where x.tenant_id = p_tenant_id;
    perform internal.notify(p_tenant_id,
      case when v_billing_suspended then 'suspended' else 'restored' end,
      jsonb_build_object('subscription_status', v_status,
                         'admin_suspended', t.admin_suspended));
  end if;
  if s.status = 'past_due' and v_status = 'active' then
    perform internal.notify(p_tenant_id, 'payment_recovered', '{}');
  end if;
  return v_status;
end
$$;

comment on function internal.sync_billing_state(uuid) is
  'Derive subscription status, dunning and tenant status from stored Stripe facts.';
