-- A soft limit's grace is about to end, or has ended: internal.job_notify_grace.
select internal.define_job('notify_grace', 'sql',
  'Tell tenants a day before a soft limit''s grace ends, and when it has ended',
  p_schedule => '*/15 * * * *', p_max_attempts => 3);
