"""The error registry: every SQLSTATE a caller can cause, with its HTTP status and the
stable JSON `code` the HTTP layer answers with.

This is the one source. api/errors.py builds its map from it; docs/error_codes.md
documents the same rows; tests/ratecard/test_error_codes.py fails when a code raised in
sql/ is missing here, when a code here is raised nowhere, or when the documentation's
tables and this registry disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorCode:
    sqlstate: str
    http: int
    code: str


# Ratecard's own SQLSTATEs, class RC (docs/error_codes.md, "Ratecard's SQLSTATEs").
RATECARD: tuple[ErrorCode, ...] = (
    ErrorCode("RC001", 404, "tenant_not_found"),
    ErrorCode("RC002", 404, "feature_not_found"),
    ErrorCode("RC003", 404, "tier_not_found"),
    ErrorCode("RC004", 422, "invalid_amount"),
    ErrorCode("RC005", 422, "invalid_argument"),
    ErrorCode("RC006", 409, "idempotency_key_reused"),
    ErrorCode("RC008", 404, "addon_not_found"),
    ErrorCode("RC009", 422, "feature_kind_mismatch"),
    ErrorCode("RC011", 400, "stripe_price_not_configured"),
    ErrorCode("RC012", 404, "stripe_event_not_found"),
    ErrorCode("RC013", 400, "no_active_subscription"),
    ErrorCode("RC014", 400, "subscription_not_cancelled"),
    ErrorCode("RC015", 409, "addon_state_conflict"),
    ErrorCode("RC016", 400, "already_subscribed"),
    ErrorCode("RC017", 400, "no_billing_account"),
    ErrorCode("RC018", 422, "invalid_name"),
    ErrorCode("RC019", 422, "invalid_idempotency_key"),
    ErrorCode("RC020", 422, "invalid_object_key"),
    ErrorCode("RC021", 400, "invalid_event"),
    ErrorCode("RC022", 409, "already_on_plan"),
    ErrorCode("RC023", 409, "stripe_event_already_final"),
    ErrorCode("RC024", 409, "feature_definition_conflict"),
    ErrorCode("RC025", 404, "job_not_found"),
    ErrorCode("RC026", 404, "job_run_not_found"),
    ErrorCode("RC027", 409, "job_run_state_conflict"),
    ErrorCode("RC028", 404, "webhook_endpoint_not_found"),
    ErrorCode("RC029", 404, "notification_not_found"),
    ErrorCode("RC030", 422, "invalid_webhook_url"),
    ErrorCode("RC031", 403, "storage_limit_exceeded"),
    ErrorCode("RC032", 404, "storage_reconciliation_not_found"),
    ErrorCode("RC033", 409, "storage_reconciliation_not_running"),
    ErrorCode("RC034", 409, "plan_in_use"),
    ErrorCode("RC035", 401, "invalid_session"),
    ErrorCode("RC036", 422, "correction_below_zero"),
    ErrorCode("RC037", 404, "usage_report_not_found"),
    ErrorCode("RC038", 409, "usage_report_not_flagged"),
)

# Raised in sql/ but deliberately answered as a 500 internal_error: an internal
# inconsistency, never a caller's mistake.
UNMAPPED: frozenset[str] = frozenset({"RC010"})

# Standard PostgreSQL SQLSTATEs that bad input or load can cause.
STANDARD: tuple[ErrorCode, ...] = (
    ErrorCode("22001", 422, "value_too_long"),
    ErrorCode("22007", 422, "invalid_datetime"),
    ErrorCode("22008", 422, "datetime_out_of_range"),
    ErrorCode("22009", 422, "datetime_out_of_range"),
    ErrorCode("22P02", 422, "invalid_text_representation"),
    ErrorCode("22P05", 422, "invalid_argument"),
    ErrorCode("22021", 422, "invalid_argument"),
    ErrorCode("22003", 422, "numeric_out_of_range"),
    ErrorCode("22023", 422, "invalid_argument"),
    ErrorCode("23505", 409, "conflict"),
    ErrorCode("23514", 422, "constraint_violation"),
    ErrorCode("42501", 403, "forbidden"),
    ErrorCode("57014", 503, "query_canceled"),
    ErrorCode("40001", 503, "serialization_failure"),
    ErrorCode("40P01", 503, "deadlock_detected"),
)

SQLSTATE_MAP: dict[str, tuple[int, str]] = {
    e.sqlstate: (e.http, e.code) for e in (*RATECARD, *STANDARD)
}
