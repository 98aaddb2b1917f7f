-- Ended add-ons' Stripe subscription items deleted without proration
-- (jobs/billing.py: remove_ended_addon_items).
select internal.define_job('remove_ended_addon_items', 'queue',
  'Delete the Stripe subscription items of ended add-ons (no proration)',
  p_schedule => '*/5 * * * *', p_max_attempts => 5, p_lease_seconds => 300);
