-- internal.plan_notification_deliveries(): the deliveries of one outbox row, written in the
-- transaction that writes the row (trigger tg_notifications__deliver) or again by
-- api.resend_notification. One per (row, channel, target), so planning twice adds nothing:
--   email   to the tenant's billing email and its extra recipients, unless the tenant's
--           email_types leave this type out (no settings: every type by email);
--   webhook to every enabled endpoint of the tenant whose event types include this type
--           (empty: every type), unless the tenant's webhook_types leave it out; and to
--           every enabled platform-wide endpoint that takes this type (the tenant's
--           preferences do not apply to the platform's own endpoints).
-- Returns how many deliveries it added.
create or replace function internal.plan_notification_deliveries(
  p_tenant_id uuid, p_notification_id bigint
)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  n core.notifications;
  s core.notification_settings;
  v_now timestamptz := internal.now();
  v_added integer;
begin
  select * into n from core.notifications x
   where x.tenant_id = p_tenant_id and x.notification_id = p_notification_id;
  if not found then
    return 0;
  end if;
  select * into s from core.notification_settings x where x.tenant_id = p_tenant_id;
  with targets as (
    select distinct 'email'::text as channel, pg_catalog.lower(a.addr) as target,
                    null::uuid as endpoint_id, false as platform
      from (select t.email as addr from core.tenants t where t.tenant_id = p_tenant_id
            union all
            select pg_catalog.unnest(coalesce(s.extra_recipients, '{}'))) a
     where a.addr is not null
       and (s.email_types is null or n.kind = any (s.email_types))
    union all
    select 'webhook', e.endpoint_id::text, e.endpoint_id, e.tenant_id is null
      from core.webhook_endpoints e
     where e.enabled and e.deleted_at is null
       and (e.tenant_id = p_tenant_id
            and (s.webhook_types is null or n.kind = any (s.webhook_types))
            or e.tenant_id is null)
       and (pg_catalog.cardinality(e.event_types) = 0 or n.kind = any (e.event_types))
  ), added as (
    insert into core.notification_deliveries
      (tenant_id, notification_id, kind, channel, target, endpoint_id, platform,
       next_attempt_at, created_at)
    select p_tenant_id, n.notification_id, n.kind, x.channel, x.target, x.endpoint_id,
           x.platform, v_now, v_now
      from targets x
    on conflict (tenant_id, notification_id, channel, target) do nothing
    returning 1
  )
  select count(*)::integer into v_added from added;
  return v_added;
end
$$;

comment on function internal.plan_notification_deliveries(uuid, bigint) is
  'Write the email and webhook deliveries of one outbox row (once per channel and target).';
revoke execute on function internal.plan_notification_deliveries(uuid, bigint) from public;
