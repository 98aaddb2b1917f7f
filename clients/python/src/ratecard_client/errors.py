"""Errors: every failure is a RatecardError carrying Ratecard's stable `code`.

Over HTTP the code is the API's (`tenant_not_found`, `idempotency_key_reused`, ...: see
docs/error_codes.md); over SQL it is the same code, looked up from the SQLSTATE. Branch on
`code` (or on the class), never on `message`, which is written for people and may change.

Failures that say nothing about the request itself, because Ratecard could not be reached
or answered 5xx or 429, are RatecardUnavailable; the client retries them before raising.
Their codes are the API's (`database_unavailable`, `rate_limited`, ...) or, when there was
no answer at all, the client's own: `connection_error`, `timeout`, `invalid_response`.
"""

from __future__ import annotations

from typing import Any


class RatecardError(Exception):
    """An error answer from Ratecard, or no usable answer at all."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        detail: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.detail = detail
        self.hint = hint

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status!r})"


class RatecardUnavailable(RatecardError):
    """Ratecard could not be reached, timed out, or answered 5xx or 429 (after retries).
    Nothing can be concluded about the request: a gate decides by fail-open or closed."""


class RateLimited(RatecardUnavailable):
    """Ratecard itself answered 429; `retry_after` is its Retry-After in seconds."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class AuthenticationError(RatecardError):
    """401 (no, bad or revoked API key) or 403 (the key's role may not do this)."""


class NotFound(RatecardError):
    """404: tenant_not_found, feature_not_found, tier_not_found, ..."""


class Conflict(RatecardError):
    """409: idempotency_key_reused, ..."""


class InvalidRequest(RatecardError):
    """400, 413 or 422: the request itself is wrong (invalid_amount, invalid_argument,
    feature_kind_mismatch, invalid_request, payload_too_large, ...). It changed nothing."""


class UsageBatchError(RatecardError):
    """A part of a split usage batch failed. The parts before it were recorded
    (`recorded` says how many events); `index` is the failing event's position in the
    whole input when Ratecard named it (the API gives it within the part)."""

    def __init__(
        self, cause: RatecardError, *, recorded: Any, index: int | None, offset: int
    ) -> None:
        super().__init__(
            cause.code, cause.message, status=cause.status, detail=cause.detail, hint=cause.hint
        )
        self.cause = cause
        self.recorded = recorded
        self.index = index
        self.offset = offset


class StorageLimitExceeded(RatecardError):
    """403 storage_limit_exceeded: the tenant's storage limit (with its buffer and grace)
    does not allow the upload; nothing was recorded. `detail` has used, limit, remaining,
    state and requested."""


def error_class(status: int | None, code: str | None = None) -> type[RatecardError]:
    """The exception class for an HTTP status and code (the SQL client maps SQLSTATEs to
    the same statuses and codes first)."""
    if code == "storage_limit_exceeded":
        return StorageLimitExceeded
    if status is None or status >= 500:
        return RatecardUnavailable
    if status == 429:
        return RateLimited
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFound
    if status == 409:
        return Conflict
    if status in (400, 413, 422):
        return InvalidRequest
    return RatecardError


def from_answer(status: int, body: Any, retry_after: float | None = None) -> RatecardError:
    """The exception for an HTTP error answer in Ratecard's JSON error format."""
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        code, message = body["code"], str(body.get("message") or body["code"])
        detail, hint = body.get("detail"), body.get("hint")
    else:
        code, message, detail, hint = "http_error", f"HTTP {status}", body, None
    cls = error_class(status, code)
    if cls is RateLimited:
        return RateLimited(
            code, message, status=status, detail=detail, hint=hint, retry_after=retry_after
        )
    return cls(code, message, status=status, detail=detail, hint=hint)
