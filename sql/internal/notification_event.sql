-- internal.notification_event(): the stable JSON form of one outbox row, the body of its
-- webhooks and what its email templates read: {type, id, tenant, occurred_at, data}.
-- `id` is `ntf_<notification id>`, `tenant` the tenant id, `data` the row's payload (less
-- its internal dedupe key) with what a reader needs beside it, named the same way for
-- every type: a threshold's feature, threshold, used, limit, percent, period_start,
-- resets_at (null for gauges), overage policy (block, soft, bill), the soft limit's
-- allowed_up_to and grace_until, and the plan; a failed payment's grace_until (when dunning
-- restricts the plan); names beside codes (feature_name and unit,
-- plan_name, from_name and to_name, addon_name). Times are in UTC (ISO 8601, +00:00),
-- whatever the caller's time zone. docs/notifications.md shows each type.
create or replace function internal.notification_event(p_tenant_id uuid,
                                                       p_notification_id bigint)
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
set timezone = 'UTC'
as $$
declare
  n core.notifications;
  v_data jsonb;
  v_extra jsonb := '{}';
begin
  select * into n from core.notifications x
   where x.tenant_id = p_tenant_id and x.notification_id = p_notification_id;
  if not found then
    return null;
  end if;
  v_data := n.payload - 'dedupe';
  if n.kind = 'threshold' then
    select pg_catalog.jsonb_build_object(
             'feature', n.feature, 'threshold', n.threshold,
             'period_start', case when e.kind = 'metered' then n.period_start end,
             'resets_at', case when e.kind = 'metered'
                               then internal.period_end(e.reset, n.period_start,
                                                        e.period_interval, e.period_anchor) end,
             'overage', e.overage, 'plan', e.plan,
             'allowed_up_to', case when e.overage = 'soft' and (v_data->>'limit') is not null
                                   then pg_catalog.floor((v_data->>'limit')::numeric
                                                         * (1 + e.buffer_pct / 100))::bigint end,
             'grace_until', case when e.overage = 'soft' and e.grace is not null
                                 then m.over_since + e.grace end)
      into v_extra
      from core.entitlements e
      left join core.meters m
        on m.tenant_id = e.tenant_id and m.feature = e.feature
       and m.period_start = case when e.kind = 'gauge' then '-infinity'::timestamptz
                                 else n.period_start end
     where e.tenant_id = n.tenant_id and e.feature = n.feature;
    v_extra := coalesce(v_extra, pg_catalog.jsonb_build_object(
                 'feature', n.feature, 'threshold', n.threshold, 'period_start', n.period_start));
  end if;
  if n.kind = 'payment_failed' then
    -- until when the plan's features stay: the dunning grace from the first unresolved failure
    select pg_catalog.jsonb_build_object('grace_until',
             coalesce(sub.past_due_since, n.created_at) + c.dunning_grace)
      into v_extra
      from core.billing_config c
      left join core.subscriptions sub on sub.tenant_id = n.tenant_id;
  end if;
  v_data := v_data || coalesce(v_extra, '{}');
  -- names beside codes
  if v_data ? 'feature' then
    v_data := v_data || coalesce((select pg_catalog.jsonb_build_object('feature_name', f.name,
                                                                       'unit', f.unit)
                                    from core.features f where f.code = v_data->>'feature'),
                                 '{}');
  end if;
  if v_data ? 'plan' then
    v_data := v_data || pg_catalog.jsonb_build_object('plan_name',
                (select p.name from core.plans p where p.code = v_data->>'plan'));
  end if;
  if v_data ? 'from' then
    v_data := v_data || pg_catalog.jsonb_build_object('from_name',
                (select p.name from core.plans p where p.code = v_data->>'from'));
  end if;
  if v_data ? 'to' then
    v_data := v_data || pg_catalog.jsonb_build_object('to_name',
                (select p.name from core.plans p where p.code = v_data->>'to'));
  end if;
  if v_data ? 'addon' then
    v_data := v_data || pg_catalog.jsonb_build_object('addon_name',
                (select a.name from core.addons a where a.code = v_data->>'addon'));
  end if;
  return pg_catalog.jsonb_build_object(
    'type', n.kind,
    'id', 'ntf_' || n.notification_id,
    'tenant', n.tenant_id,
    'occurred_at', n.created_at,
    'data', v_data);
end
$$;

comment on function internal.notification_event(uuid, bigint) is
  'The stable JSON of an outbox row: {type, id, tenant, occurred_at, data} (webhook body).';
revoke execute on function internal.notification_event(uuid, bigint) from public;
