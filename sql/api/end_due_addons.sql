-- api.end_due_addons(): the time step of add-on cancellation. Every active add-on whose
-- ends_at has come is set canceled, so its grants stop counting (entitlements follow by
-- trigger), with one outbox row each. Stripe items of ended add-ons are then removed by the
-- worker (api.due_addon_removals). Returns how many ended now. Safe to run at any time and
-- concurrently; run by the SQL job end_due_addons (pg_cron, every 5 minutes).
create or replace function api.end_due_addons()
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  r record;
  v_count integer := 0;
begin
  for r in
    update core.tenant_addons ta set status = 'canceled'
     where ta.status = 'active' and ta.ends_at <= internal.now()
    returning ta.tenant_id, ta.addon, ta.ends_at
  loop
    perform internal.notify(r.tenant_id, 'addon_ended',
      jsonb_build_object('addon', r.addon, 'ended_at', r.ends_at));
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;

comment on function api.end_due_addons() is
  'End add-ons whose cancellation date has come (grants stop); returns how many.';
grant execute on function api.end_due_addons() to ratecard_service, ratecard_admin;
