"""Every statement the job worker and the job handlers send, in one place, with explicit
casts.

Sent through ratecard.sqlcall.call as ratecard_service (see jobs/worker.py, jobs/billing.py).
"""

# billing handlers (jobs/billing.py)
DUE_PLAN_CHANGES = "select * from api.due_plan_changes(%s::integer)"
DUE_ADDON_REMOVALS = "select * from api.due_addon_removals(%s::integer)"
SUBSCRIPTIONS_TO_SYNC = (
    "select tenant_id, stripe_subscription_id, status"
    " from api.subscriptions_to_sync(%s::integer, %s::uuid)"
)
APPLY_STRIPE_SUBSCRIPTION = "select api.apply_stripe_subscription(%s::uuid, %s::jsonb) as outcome"

# metered billing handlers (jobs/metering.py)
CLAIM_USAGE_REPORTS = "select api.claim_usage_reports(%s::uuid) as claimed"
USAGE_REPORTS_TO_SEND = (
    "select report_id, feature, event_name, stripe_customer_id, identifier, event_value,"
    " event_at, cancel_identifier, attempts"
    " from api.usage_reports_to_send(%s::uuid, %s::integer) order by report_id"
)
MARK_USAGE_REPORT = (
    "select api.mark_usage_report(%s::uuid, %s::bigint, %s::text, %s::text) as status"
)
USAGE_RECONCILIATION = (
    "select tenant_id, feature, stripe_customer_id, meter_id, period_start, window_start,"
    " window_end, reported_units"
    " from api.usage_reconciliation(%s::uuid, %s::timestamptz, %s::interval)"
)
RECORD_USAGE_RECONCILIATION = (
    "select tenant_id, feature, period_start, period_end, ledger_units, reported_units,"
    " in_flight_units, flagged_units, stripe_units, stripe_low, stripe_high, status"
    " from api.record_usage_reconciliation(%s::jsonb, %s::interval)"
)

# the queue (jobs/worker.py)
LISTEN_JOBS = "listen ratecard_jobs"
CLAIM = (
    "select id, job, kind, args, attempt, max_attempts, lease_seconds"
    " from api.claim_job_runs(%s::text, %s::integer, %s::text[])"
)
STEP = "select api.step_job_run(%s::bigint, %s::text) as out"
FINISH = (
    "select api.finish_job_run(%s::bigint, %s::text, %s::boolean, %s::jsonb, %s::text,"
    " %s::boolean) as status"
)
PROGRESS = "select api.report_job_progress(%s::bigint, %s::text, %s::jsonb) as held"
EXTEND = "select api.extend_job_leases(%s::text, %s::bigint[]) as lost"
RELEASE = "select api.release_job_runs(%s::text, %s::bigint[]) as released"
# seconds until the earliest queued run this worker could run is due (null: none)
NEXT_DUE = (
    "select extract(epoch from api.next_job_due(%s::text[]) - internal.now())::float8 as seconds"
)
FIRE_SCHEDULES = "select api.fire_due_schedules() as fired"
STATS = "select job, queued, waiting, running, dead, oldest_queued_seconds from api.job_stats()"

# notification delivery (jobs/notifications.py)
CLAIM_DELIVERIES = (
    "select tenant_id, delivery_id, notification_id, kind, channel, target, attempt,"
    " max_attempts, url, secrets, tenant_name, event"
    " from api.claim_notification_deliveries(%s::text, %s::integer, %s::integer)"
)
RECORD_ATTEMPT = (
    "select api.record_notification_attempt(%s::uuid, %s::uuid, %s::text, %s::integer,"
    " %s::text, %s::integer) as status"
)

# storage handlers (jobs/storage.py), also run by `ratecard storage reconcile`
START_RECONCILIATION = (
    "select reconciliation_id, prefix from api.start_storage_reconciliation(%s::text, %s::uuid,"
    " %s::boolean, %s::bigint)"
)
RECONCILE_PAGE = (
    "select api.reconcile_storage_page(%s::bigint, %s::text, %s::jsonb, %s::boolean,"
    " %s::timestamptz) as counts"
)
FINISH_RECONCILIATION = "select api.finish_storage_reconciliation(%s::bigint, %s::text) as run"
