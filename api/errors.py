"""Error format and the one place where database errors become HTTP answers.

Every error body is JSON: {"code": "<stable snake_case>", "message": "...", "detail": ...,
"hint": ...}. `code` is part of the contract (docs/error_codes.md); messages may change.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.observability import count_error
from ratecard import error_codes

log = logging.getLogger("ratecard.api")

# SQLSTATE -> (HTTP status, code), from the one registry (ratecard/error_codes.py).
SQLSTATE_MAP = error_codes.SQLSTATE_MAP

HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "service_unavailable",
}


def error_body(
    code: str, message: str, detail: Any = None, hint: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if detail is not None:
        body["detail"] = detail
    if hint:
        body["hint"] = hint
    return body


class ApiError(HTTPException):
    """An error a route raises on purpose, with its stable code."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        detail: Any = None,
        hint: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=message, headers=headers)
        self.code = code
        self.message = message
        self.extra = detail
        self.hint = hint


def _only_body_missing(exc: ValidationException) -> bool:
    """Litestar reports a required body that was not sent as a failed `data` parameter."""
    errors = exc.extra if isinstance(exc.extra, list) else []
    return bool(errors) and all(
        isinstance(e, dict) and e.get("key") == "data" and e.get("message") == "'data'"
        for e in errors
    )


def handle_http(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, ApiError):
        body = error_body(exc.code, exc.message, exc.extra, exc.hint)
    elif isinstance(exc, ValidationException):
        # Litestar raises these as 400; bad path, query, header or body values are 422 here.
        if _only_body_missing(exc):
            status = 400
            body = error_body("malformed_json", "the request body is empty; send a JSON object")
        else:
            status = 422
            body = error_body("invalid_request", str(exc.detail), exc.extra or None)
    elif isinstance(exc.__cause__, SerializationException):
        # A body that is not JSON at all: Litestar wraps the decoder's error in a 400.
        body = error_body("malformed_json", str(exc.detail))
    elif status == 413:
        body = error_body(
            "payload_too_large",
            "the request body is larger than this route accepts",
            hint="1 MiB for most routes; split large usage batches",
        )
    else:
        code = HTTP_CODES.get(status, "http_error")
        body = error_body(code, str(exc.detail), exc.extra or None)
    count_error(request.app, body["code"], status)
    return Response(body, status_code=status, headers=exc.headers)


def handle_db(request: Request, exc: psycopg.Error) -> Response:
    state = exc.sqlstate or ""
    status, code = SQLSTATE_MAP.get(state, (0, ""))
    if status:
        diag = exc.diag
        count_error(request.app, code, status)
        return Response(
            error_body(
                code, diag.message_primary or str(exc), diag.message_detail, diag.message_hint
            ),
            status_code=status,
        )
    if isinstance(exc, psycopg.DataError) and not state:
        count_error(request.app, "invalid_argument", 422)
        # Refused by psycopg before it was sent, e.g. a NUL in a text value (the request
        # checks name the field first; this is the net under them).
        return Response(
            error_body("invalid_argument", str(exc).splitlines()[0] or "invalid value"),
            status_code=422,
        )
    if isinstance(exc, psycopg.OperationalError | psycopg.errors.AdminShutdown):
        log.warning("database unavailable: %s", exc)
        count_error(request.app, "database_unavailable", 503)
        return Response(
            error_body("database_unavailable", "the database is not reachable; try again"),
            status_code=503,
        )
    log.exception("unmapped database error %s", state, exc_info=exc)
    count_error(request.app, "internal_error", 500)
    return Response(
        error_body("internal_error", "internal error", {"sqlstate": state} if state else None),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def handle_other(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    count_error(request.app, "internal_error", 500)
    return Response(
        error_body("internal_error", "internal error"), status_code=HTTP_500_INTERNAL_SERVER_ERROR
    )


EXCEPTION_HANDLERS = {
    HTTPException: handle_http,
    psycopg.Error: handle_db,
    Exception: handle_other,
}
