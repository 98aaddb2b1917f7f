-- internal.notification_types(): every notification type the outbox can hold, in one
-- place. Webhook endpoints' event types and tenants' preferences are checked against it,
-- and a test checks that every kind written to core.notifications in sql/ is here and has
-- a template (ratecard/notify/templates/). docs/notifications.md describes each.
create or replace function internal.notification_types()
returns text[]
language sql
immutable
parallel safe
as $$
  select array['threshold', 'payment_failed', 'payment_recovered', 'restricted', 'suspended',
               'restored', 'trial_will_end', 'trial_ended', 'downgrade_scheduled', 'plan_changed',
               'over_limit_after_plan_change', 'addon_cancel_scheduled', 'addon_resumed',
               'addon_ended', 'grace_ending', 'grace_ended']::text[]
$$;

comment on function internal.notification_types() is
  'Every notification type the outbox holds (threshold, payment_failed, ...).';
revoke execute on function internal.notification_types() from public;
