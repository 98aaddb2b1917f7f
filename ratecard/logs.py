"""Log lines of every Ratecard process (CLI, API, worker): text or JSON
(RATECARD_LOG_FORMAT), each carrying `request_id`.

REQUEST_ID holds the id of the HTTP request being answered (api/observability.py sets it;
`-` elsewhere); `install_request_ids()` puts it on every log record when the record is
made, in the request's own context, so it survives queue handlers and threads.
RATECARD_LOG_FORMAT=json writes one JSON object per line (python-json-logger): time,
level, logger, request_id, message (and exc_info for tracebacks). The stripe package's
lines about each request show at debug only.
"""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

TEXT_FORMAT = "%(levelname)s - %(asctime)s - %(name)s - %(request_id)s - %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}


def formatters() -> dict[str, dict[str, Any]]:
    """logging.config formatter specs: `standard` (text) and `json`."""
    return {
        "standard": {"format": TEXT_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": JSON_RENAMES,
        },
    }


def install_request_ids() -> None:
    """Every log record gets `request_id` (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "ratecard_request_ids", False):
        return

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    make.ratecard_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)


def configure(level: str, log_format: str) -> None:
    """The CLI's and the worker's logging: one stderr handler, text or JSON."""
    install_request_ids()
    handler = logging.StreamHandler()
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(fmt=JSON_FIELDS, rename_fields=JSON_RENAMES))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    numeric = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=numeric, handlers=[handler])
    # The stripe package logs every request and answer at INFO (an expected 404, such as
    # sync-catalog looking a product up, as "Stripe v1 API error received"): shown at
    # debug only; Ratecard logs what came of each call itself.
    if numeric > logging.DEBUG:
        logging.getLogger("stripe").setLevel(max(numeric, logging.WARNING))


def _queue_handlers() -> list[Any]:
    """The handlers of the logging configuration in force that hand records to a queue
    listener's thread (Litestar's `queue_listener`)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    found: list[Any] = []
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if getattr(handler, "listener", None) is not None and handler not in found:
                found.append(handler)
    return found


def drain(timeout: float = 5.0) -> None:
    """Wait (at most `timeout` seconds) until the queue listeners have written every line
    logged so far. The API calls it as it stops: its listener's thread writes each line
    after it was logged, to the stream stderr was when the app was made; once the app has
    stopped, that stream may be gone (a test's captured output, closed when the test ends,
    made the thread fail on a line written late)."""
    deadline = time.monotonic() + timeout
    for handler in _queue_handlers():
        listener = handler.listener
        while (
            getattr(handler.queue, "unfinished_tasks", 0)
            and getattr(listener, "_thread", None) is not None
            and time.monotonic() < deadline
        ):
            time.sleep(0.002)
