"""SQLSTATE -> (HTTP status, stable code): the HTTP API's error registry, so SqlClient
raises the same codes and exception classes as the HTTP clients.

A copy of ratecard/error_codes.py in the Ratecard repository (this distribution does not
depend on the server); clients/python/tests/test_codes.py fails when the two differ.
"""

SQLSTATE_CODES: dict[str, tuple[int, str]] = {
    # Ratecard's own, class RC
    "RC001": (404, "tenant_not_found"),
    "RC002": (404, "feature_not_found"),
    "RC003": (404, "tier_not_found"),
    "RC004": (422, "invalid_amount"),
    "RC005": (422, "invalid_argument"),
    "RC006": (409, "idempotency_key_reused"),
    "RC008": (404, "addon_not_found"),
    "RC009": (422, "feature_kind_mismatch"),
    "RC011": (400, "stripe_price_not_configured"),
    "RC012": (404, "stripe_event_not_found"),
    "RC013": (400, "no_active_subscription"),
    "RC014": (400, "subscription_not_cancelled"),
    "RC015": (409, "addon_state_conflict"),
    "RC016": (400, "already_subscribed"),
    "RC017": (400, "no_billing_account"),
    "RC018": (422, "invalid_name"),
    "RC019": (422, "invalid_idempotency_key"),
    "RC020": (422, "invalid_object_key"),
    "RC021": (400, "invalid_event"),
    "RC022": (409, "already_on_plan"),
    "RC023": (409, "stripe_event_already_final"),
    "RC024": (409, "feature_definition_conflict"),
    "RC025": (404, "job_not_found"),
    "RC026": (404, "job_run_not_found"),
    "RC027": (409, "job_run_state_conflict"),
    "RC028": (404, "webhook_endpoint_not_found"),
    "RC029": (404, "notification_not_found"),
    "RC030": (422, "invalid_webhook_url"),
    "RC031": (403, "storage_limit_exceeded"),
    "RC032": (404, "storage_reconciliation_not_found"),
    "RC033": (409, "storage_reconciliation_not_running"),
    "RC034": (409, "plan_in_use"),
    "RC035": (401, "invalid_session"),
    # Standard SQLSTATEs that bad input or load can cause
    "22001": (422, "value_too_long"),
    "22007": (422, "invalid_datetime"),
    "22008": (422, "datetime_out_of_range"),
    "22009": (422, "datetime_out_of_range"),
    "22P02": (422, "invalid_text_representation"),
    "22P05": (422, "invalid_argument"),
    "22021": (422, "invalid_argument"),
    "22003": (422, "numeric_out_of_range"),
    "22023": (422, "invalid_argument"),
    "23505": (409, "conflict"),
    "23514": (422, "constraint_violation"),
    "42501": (403, "forbidden"),
    "57014": (503, "query_canceled"),
    "40001": (503, "serialization_failure"),
    "40P01": (503, "deadlock_detected"),
}
