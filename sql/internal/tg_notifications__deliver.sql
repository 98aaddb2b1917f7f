-- internal.tg_notifications__deliver(): every new outbox row gets its deliveries in the
-- same transaction (so none is lost and none planned twice), and, when there is anything
-- to send, the worker is asked to send it: one deliver_notifications run per transaction
-- (dedupe key tx:<transaction id>; a transaction writing many rows asks once), woken by
-- NOTIFY at commit. The minute schedule of deliver_notifications sweeps up the rest.
create or replace function internal.tg_notifications__deliver()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if internal.plan_notification_deliveries(new.tenant_id, new.notification_id) > 0 then
    perform internal.enqueue_job('deliver_notifications', '{}', null,
                                 'tx:' || pg_catalog.txid_current()::text,
                                 internal.job_requester());
  end if;
  return null;
end
$$;

comment on function internal.tg_notifications__deliver() is
  'Plan a new outbox row''s deliveries in its transaction and wake the worker.';
revoke execute on function internal.tg_notifications__deliver() from public;

create or replace trigger notifications_deliver
  after insert on core.notifications
  for each row execute function internal.tg_notifications__deliver();
