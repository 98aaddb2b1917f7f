-- depends: 0005.subscription_lifecycle
--
-- internal.apply_stripe_event takes a second argument (wait for the per-customer lock, or
-- only try it, as the retry sweep does); the one-argument version goes.
drop function if exists internal.apply_stripe_event(text);
