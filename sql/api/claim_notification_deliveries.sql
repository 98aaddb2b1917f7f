-- api.claim_notification_deliveries(): the worker's claim (jobs/notifications.py). First
-- gives back deliveries whose lease expired (a worker died between claiming and
-- recording: the attempt stays counted and unfinished in core.notification_attempts; the
-- delivery is sent again, with the same ids, or failed if that was its last attempt).
-- Then leases up to p_limit due deliveries to p_worker for p_lease_seconds, oldest first,
-- skipping rows other workers are claiming (`for update skip locked`). Webhooks keep each
-- tenant's order per endpoint: a delivery is taken only when no older delivery of the
-- same tenant to the same endpoint is still pending or being sent, so at most one per
-- (tenant, endpoint) is in flight and a retrying one holds back those after it.
-- Returns what sending needs: the event (internal.notification_event), the tenant's
-- name, and for webhooks the URL and the secrets to sign with (the current one and, for
-- 24 hours after a rotation, the previous). A delivery whose endpoint was disabled or
-- deleted meanwhile is cancelled instead. For ratecard_service (the worker) only.
create or replace function api.claim_notification_deliveries(
  p_worker text, p_limit integer default 10, p_lease_seconds integer default 60
)
returns table (tenant_id uuid, delivery_id uuid, notification_id bigint, kind text,
               channel text, target text, attempt integer, max_attempts integer,
               url text, secrets text[], tenant_name text, event jsonb)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := internal.now();
begin
  if p_worker is null or pg_catalog.length(p_worker) not between 1 and 200 then
    raise exception 'a worker name has 1 to 200 characters' using errcode = 'RC005';
  end if;
  if p_limit is null or p_limit not between 1 and 1000
     or p_lease_seconds is null or p_lease_seconds not between 1 and 3600 then
    raise exception 'limit 1 to 1000, lease 1 to 3600 seconds' using errcode = 'RC005';
  end if;
  -- leases that ran out: the worker died after claiming (perhaps after sending)
  update core.notification_deliveries d
     set status = case when d.attempts >= d.max_attempts then 'failed' else 'pending' end,
         finished_at = case when d.attempts >= d.max_attempts then v_now end,
         next_attempt_at = case when d.attempts < d.max_attempts then v_now end,
         last_error = 'the worker stopped before recording attempt ' || d.attempts,
         worker = null, lease_until = null
   where d.status = 'sending' and d.lease_until <= v_now;
  -- endpoints disabled or deleted since the delivery was planned
  update core.notification_deliveries d
     set status = 'canceled', finished_at = v_now, next_attempt_at = null,
         last_error = 'endpoint ' || coalesce(e.disabled_reason, 'disabled')
    from core.webhook_endpoints e
   where d.status = 'pending' and d.channel = 'webhook' and e.endpoint_id = d.endpoint_id
     and not e.enabled;
  return query
    with picked as (
      select d.tenant_id, d.delivery_id
        from core.notification_deliveries d
       where d.status = 'pending' and d.next_attempt_at <= v_now
         and (d.channel = 'email'
              or not exists (select from core.notification_deliveries o
                              where o.tenant_id = d.tenant_id and o.endpoint_id = d.endpoint_id
                                and o.status in ('pending', 'sending')
                                and o.notification_id < d.notification_id))
       order by d.next_attempt_at, d.notification_id
       limit p_limit
         for update of d skip locked
    ), claimed as (
      update core.notification_deliveries d
         set status = 'sending', attempts = d.attempts + 1, worker = p_worker,
             lease_until = v_now + pg_catalog.make_interval(secs => p_lease_seconds),
             last_attempt_at = v_now, next_attempt_at = null
        from picked p
       where d.tenant_id = p.tenant_id and d.delivery_id = p.delivery_id
      returning d.*
    ), started as (
      insert into core.notification_attempts (tenant_id, delivery_id, attempt, worker,
                                              started_at)
      select c.tenant_id, c.delivery_id, c.attempts, p_worker, v_now from claimed c
    )
    select c.tenant_id, c.delivery_id, c.notification_id, c.kind, c.channel, c.target,
           c.attempts, c.max_attempts, e.url,
           case when e.endpoint_id is null then null
                when e.previous_secret is not null and e.previous_secret_until > v_now
                then array[e.secret, e.previous_secret]
                else array[e.secret] end,
           t.name, internal.notification_event(c.tenant_id, c.notification_id)
      from claimed c
      join core.tenants t on t.tenant_id = c.tenant_id
      left join core.webhook_endpoints e on e.endpoint_id = c.endpoint_id
     order by c.notification_id;
end
$$;

comment on function api.claim_notification_deliveries(text, integer, integer) is
  'Worker: lease due deliveries (per-tenant order per endpoint) with what sending needs.';
grant execute on function api.claim_notification_deliveries(text, integer, integer)
  to ratecard_service;
