-- depends: 0006.apply_event_wait
--
-- Stripe's event `created` has whole seconds and a subscription's first events often share
-- one. The stored snapshot also remembers where its event stands in a subscription's life
-- (created 0, updated 1, deleted 2), so of two snapshots of the same second the later one
-- in that life wins whatever the delivery order. The snapshot function takes that rank as
-- a fourth argument; the three-argument version goes.
alter table core.subscriptions
  add column stripe_event_rank smallint not null default 0 check (stripe_event_rank between 0 and 2);
drop function if exists internal.apply_subscription_snapshot(uuid, timestamptz, jsonb);
