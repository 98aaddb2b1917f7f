-- requires: api/notification_deliveries.sql
-- api.list_notification_deliveries(): the administrators' list of deliveries
-- (GET /v1/admin/notifications/deliveries), newest first, filtered by status, tenant,
-- channel and notification, at most p_limit. Failed deliveries (`p_status => 'failed'`)
-- are the ones to look at and resend (api.resend_notification). RC005 for a status or
-- channel a delivery cannot have, or a limit outside 1 to 1000.
create or replace function api.list_notification_deliveries(
  p_status text default null,
  p_tenant_id uuid default null,
  p_channel text default null,
  p_notification_id bigint default null,
  p_limit integer default 100
)
returns setof api.notification_deliveries
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  if p_status is not null
     and p_status not in ('pending', 'sending', 'succeeded', 'failed', 'canceled') then
    raise exception 'unknown delivery status %', pg_catalog.quote_literal(p_status)
      using errcode = 'RC005', hint = 'one of pending, sending, succeeded, failed, canceled';
  end if;
  if p_channel is not null and p_channel not in ('email', 'webhook') then
    raise exception 'unknown channel %', pg_catalog.quote_literal(p_channel)
      using errcode = 'RC005', hint = 'email or webhook';
  end if;
  if p_limit is null or p_limit not between 1 and 1000 then
    raise exception 'limit must be 1 to 1000' using errcode = 'RC005';
  end if;
  return query
    select d.* from api.notification_deliveries d
     where (p_status is null or d.status = p_status)
       and (p_tenant_id is null or d.tenant_id = p_tenant_id)
       and (p_channel is null or d.channel = p_channel)
       and (p_notification_id is null or d.notification_id = p_notification_id)
     order by d.created_at desc, d.notification_id desc, d.channel, d.target
     limit p_limit;
end
$$;

comment on function api.list_notification_deliveries(text, uuid, text, bigint, integer) is
  'Deliveries by status, tenant, channel, notification (all optional), newest first.';
grant execute on function api.list_notification_deliveries(text, uuid, text, bigint, integer)
  to ratecard_admin;
