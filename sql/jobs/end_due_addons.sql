-- Add-ons whose cancellation date has come stop counting: internal.job_end_due_addons.
select internal.define_job('end_due_addons', 'sql',
  'End add-ons whose cancellation is due; queue the removal of their Stripe items',
  p_schedule => '*/5 * * * *', p_max_attempts => 3);
