"""Every statement the job worker sends, in one place, with explicit casts.

Sent through ratecard.sqlcall.call as ratecard_service (see jobs/billing.py)."""

DUE_PLAN_CHANGES = "select * from api.due_plan_changes(%s::integer)"
RETRY_EVENTS = "select api.retry_stripe_events(%s::integer) as applied"
END_DUE_ADDONS = "select api.end_due_addons() as ended"
DUE_ADDON_REMOVALS = "select * from api.due_addon_removals(%s::integer)"
LISTEN_JOBS = "listen ratecard_jobs"
