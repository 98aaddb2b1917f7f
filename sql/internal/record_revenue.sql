-- internal.record_revenue(): append a core.subscription_history row when a tenant's revenue
-- facts (internal.revenue_facts) differ from its last row, with the MRR before (the value
-- in force now) and after, then write the timeline that follows (internal.write_mrr_points).
-- Called by the deferred triggers on core.subscriptions and core.tenant_addons at commit,
-- so a Stripe event that changes a subscription and its add-ons writes one row, and by the
-- catalogue trigger when a price that subscriptions bill at changes.
create or replace function internal.record_revenue(p_tenant_id uuid)
returns void
language plpgsql
volatile
set search_path = ''
set timezone = 'UTC'
as $$
declare
  f record;
  h core.subscription_history;
  v_now timestamptz := internal.now();
  v_before core.mrr_points;
  v_full bigint;
  v_id bigint;
begin
  perform from core.tenants t where t.tenant_id = p_tenant_id;
  if not found then
    return;
  end if;
  select * into f from internal.revenue_facts(p_tenant_id);
  select * into h from core.subscription_history x
   where x.tenant_id = p_tenant_id order by x.history_id desc limit 1;
  if h.tenant_id is null and f.plan is null then
    return;
  end if;
  if h.tenant_id is not null
     and (h.plan_after, h.status_after, h.seats_after, h.interval_after, h.currency, h.items,
          h.discounts, h.ends_at)
         is not distinct from
         (f.plan, f.status, f.seats, f.billing_interval, f.currency,
          coalesce(f.items, '[]'::jsonb), coalesce(f.discounts, '[]'::jsonb), f.ends_at) then
    return;
  end if;
  select * into v_before from core.mrr_points p
   where p.tenant_id = p_tenant_id and p.at <= v_now order by p.at desc limit 1;
  v_full := case when f.ends_at <= v_now then 0
                 else coalesce(internal.revenue_at(f.items, f.discounts, v_now), 0) end;
  insert into core.subscription_history
    (tenant_id, changed_at, plan_before, plan_after, status_before, status_after,
     seats_before, seats_after, interval_before, interval_after, mrr_before_cents,
     mrr_after_cents, trial_mrr_after_cents, currency, items, discounts, ends_at)
  values (p_tenant_id, v_now, h.plan_after, f.plan, h.status_after, f.status,
          h.seats_after, f.seats, h.interval_after, f.billing_interval,
          coalesce(v_before.mrr_cents, 0),
          case when f.status in ('active', 'past_due') then v_full else 0 end,
          case when f.status = 'trialing' then v_full else 0 end,
          f.currency, coalesce(f.items, '[]'::jsonb), coalesce(f.discounts, '[]'::jsonb),
          f.ends_at)
  returning history_id into v_id;
  perform internal.write_mrr_points(p_tenant_id, v_id, v_now, f.status, f.currency,
                                    coalesce(f.items, '[]'::jsonb),
                                    coalesce(f.discounts, '[]'::jsonb), f.ends_at);
end
$$;

comment on function internal.record_revenue(uuid) is
  'Append a subscription history row when a tenant''s revenue facts changed; write its MRR timeline.';
