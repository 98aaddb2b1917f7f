-- Notification delivery (jobs/notifications.py: deliver_notifications): sends the email
-- and webhook deliveries that are due. Enqueued by every transaction that writes the
-- outbox and by every retry for its time; the minute schedule sweeps up anything else
-- (a delivery whose worker died). Runs may overlap: deliveries are claimed row by row.
select internal.define_job('deliver_notifications', 'queue',
  'Send due notification emails and webhooks (retries on the Standard Webhooks schedule)',
  p_schedule => '* * * * *', p_max_attempts => 3, p_lease_seconds => 120,
  p_lock_on => null, p_backoff_seconds => 5, p_backoff_max_seconds => 60);
