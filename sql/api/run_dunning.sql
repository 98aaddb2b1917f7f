-- api.run_dunning(): the time-driven dunning step. A subscription past due for longer than
-- core.billing_config.dunning_grace is restricted: the tenant keeps its data but falls to
-- the default plan's limits (entitlements follow by trigger), with one outbox row. Stripe
-- giving up (unpaid, or cancelled for non-payment) suspends the tenant, and a successful
-- payment restores everything; both arrive as events (internal.sync_billing_state).
-- Returns how many subscriptions were restricted now. Run hourly by the SQL job run_dunning.
create or replace function api.run_dunning()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_tenant uuid;
  v_count integer := 0;
begin
  for v_tenant in
    update core.subscriptions s set restricted = true, updated_at = internal.now()
      from core.billing_config c
     where s.status = 'past_due' and not s.restricted
       and s.past_due_since + c.dunning_grace <= internal.now()
    returning s.tenant_id
  loop
    perform internal.notify(v_tenant, 'restricted',
      jsonb_build_object('reason', 'payment overdue past the grace period'));
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function api.run_dunning() is
  'Restrict subscriptions past due beyond the dunning grace to default-plan limits.';
grant execute on function api.run_dunning() to ratecard_admin;
