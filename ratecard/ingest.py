"""Bulk usage ingestion: NDJSON lines in, COPY into the session's staging table, one
set-based merge in SQL (api.open_usage_stream, COPY pg_temp.usage_stream,
api.merge_usage_stream; docs/sql_api.md). Used by POST /v1/usage/stream and by
`ratecard ingest FILE`.

Each line is one JSON object, the same as an event of POST /v1/usage:

    {"tenant_id": "<uuid>", "feature": "ai_tokens", "amount": 350,
     "idempotency_key": "evt-1001", "occurred_at": "2026-12-14T11:58:00Z",
     "properties": {"model": "small"}}

Lines are decoded strictly here (ratecard.jsontext: UTF-8, no NUL, not too deep; msgspec
for the types), so a line that is not an event is refused with its number before anything
reaches the database; every rule on the values (amounts, keys, tenants, features) is
SQL's, which quotes the line number back. Blank lines are skipped but counted, so numbers
are the file's own line numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from ratecard import jsontext

# The staged row: the column order of ratecard.queries.COPY_USAGE_STREAM.
StagedRow = tuple[int, UUID, str, int, str, datetime | None, str | None]


class StreamEvent(msgspec.Struct, forbid_unknown_fields=True):
    tenant_id: UUID
    feature: str
    amount: int
    idempotency_key: str
    occurred_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None
    properties: dict[str, Any] | None = None


class BadLine(ValueError):
    """A line that is not an event: its number, an HTTP status and a stable code."""

    def __init__(self, line: int, status: int, code: str, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.status = status
        self.code = code
        self.message = message


_encode = msgspec.json.Encoder().encode


def staged_row(line: int, raw: bytes) -> StagedRow:
    """One NDJSON line as the row COPY sends (properties as JSON text)."""
    try:
        ev = jsontext.decode(raw, StreamEvent)
    except jsontext.BadJson as exc:
        where = f" (at {exc.key})" if exc.key else ""
        raise BadLine(line, exc.status, exc.code, exc.message + where) from None
    except msgspec.ValidationError as exc:
        raise BadLine(line, 422, "invalid_request", str(exc)) from None
    props = None if ev.properties is None else _encode(ev.properties).decode()
    return (line, ev.tenant_id, ev.feature, ev.amount, ev.idempotency_key, ev.occurred_at, props)


def parse_lines(lines: Iterable[bytes], first_line: int = 1) -> Iterator[StagedRow]:
    """Staged rows of NDJSON lines (with or without their line ends); blank lines are
    skipped, and numbering goes on from `first_line`."""
    for n, raw in enumerate(lines, start=first_line):
        text = raw.strip()
        if text:
            yield staged_row(n, text)


def parse_body(body: bytes) -> list[StagedRow]:
    """Every line of an NDJSON body, checked before any of it is sent."""
    return list(parse_lines(body.split(b"\n")))
