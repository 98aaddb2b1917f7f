"""The HTTP requests of every client method, described once for the blocking and the
asyncio client alike.

A method builds a `Call` (method, path, JSON body, headers, how to read the answer, and
whether it may be repeated once it may have reached the server); the two clients only
differ in how they send it. A new route is one function here and a one-line method on
each client.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from ratecard_client.errors import RatecardError, UsageBatchError
from ratecard_client.types import (
    BillingSession,
    Consumption,
    Entitlement,
    StorageUsage,
    TrackedObject,
    Upload,
    UsageBatchResult,
    UsageEvent,
    as_uuid,
)

T = TypeVar("T")

# The API's limits for POST /v1/usage (docs/http_api.md): 10,000 events and 8 MiB a body.
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 8 * 1_048_576 - 64 * 1024  # room for the envelope
# POST /v1/usage/stream takes NDJSON bodies of up to 64 MiB.
MAX_STREAM_BYTES = 64 * 1_048_576


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    method: str
    path: str
    parse: Callable[[Any], T]
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # A body that is not JSON (NDJSON for POST /v1/usage/stream); json is then None.
    content: bytes | None = None
    # May this request be sent again after it may have reached the server?
    repeatable: bool = True


def new_idempotency_key() -> str:
    """A fresh key for one logical call; every retry of that call reuses it."""
    return f"rcc-{uuid.uuid4().hex}"


def _id(value: Any) -> str:
    return str(as_uuid(value))


def check(tenant_id: Any, feature: str, amount: int) -> Call[bool]:
    body = {"tenant_id": _id(tenant_id), "feature": feature, "amount": amount}
    return Call("POST", "/v1/check", lambda b: bool(b["allowed"]), body)


def consume(tenant_id: Any, feature: str, amount: int, key: str | None) -> Call[Consumption]:
    body = {"tenant_id": _id(tenant_id), "feature": feature, "amount": amount}
    # Without a key a repeat could count twice: repeat it only if it surely never left.
    return Call(
        "POST",
        "/v1/consume",
        lambda b: Consumption.from_row(b, key),
        body,
        {"Idempotency-Key": key} if key else {},
        repeatable=key is not None,
    )


def consume_key(idempotency_key: str | None, idempotent: bool) -> str | None:
    """The key a consume sends: the caller's, a new one, or none (idempotent=False)."""
    if idempotency_key is not None:
        return idempotency_key
    return new_idempotency_key() if idempotent else None


def event_json(e: UsageEvent) -> dict[str, Any]:
    """An event as POST /v1/usage and api.record_usage_batch take it; a missing key is
    generated here, once, so every retry of the batch sends the same one."""
    out: dict[str, Any] = {
        "tenant_id": _id(e.tenant_id),
        "feature": e.feature,
        "amount": e.amount,
        "idempotency_key": e.idempotency_key or new_idempotency_key(),
    }
    if e.occurred_at is not None:
        if e.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a time zone (e.g. datetime.now(UTC))")
        out["occurred_at"] = e.occurred_at.isoformat()
    if e.properties is not None:
        out["properties"] = dict(e.properties)
    return out


def split_events(
    events: Iterable[UsageEvent],
    max_events: int = MAX_BATCH_EVENTS,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Iterator[list[dict[str, Any]]]:
    """Consecutive parts of at most `max_events` events and about `max_bytes` of JSON."""
    if max_events < 1:
        raise ValueError("max_events must be at least 1")
    part: list[dict[str, Any]] = []
    size = 0
    for e in events:
        item = event_json(e)
        n = len(json.dumps(item, separators=(",", ":"))) + 1
        if part and (len(part) >= max_events or size + n > max_bytes):
            yield part
            part, size = [], 0
        part.append(item)
        size += n
    if part:
        yield part


def usage(part: list[dict[str, Any]]) -> Call[UsageBatchResult]:
    return Call("POST", "/v1/usage", UsageBatchResult.from_row, {"events": part})


def split_stream(
    events: Iterable[UsageEvent], max_bytes: int = MAX_STREAM_BYTES
) -> Iterator[tuple[int, bytes]]:
    """NDJSON bodies of at most `max_bytes`: (events in it, body). Keys are fixed here, so
    a repeated body counts nothing twice."""
    lines: list[bytes] = []
    size = 0
    for e in events:
        line = json.dumps(event_json(e), separators=(",", ":")).encode() + b"\n"
        if lines and size + len(line) > max_bytes:
            yield len(lines), b"".join(lines)
            lines, size = [], 0
        lines.append(line)
        size += len(line)
    if lines:
        yield len(lines), b"".join(lines)


def usage_stream(body: bytes) -> Call[UsageBatchResult]:
    return Call(
        "POST",
        "/v1/usage/stream",
        UsageBatchResult.from_row,
        headers={"Content-Type": "application/x-ndjson"},
        content=body,
    )


def create_tenant(name: str, email: str | None, plan: str | None) -> Call[Any]:
    body: dict[str, Any] = {"name": name}
    if email is not None:
        body["email"] = email
    if plan is not None:
        body["plan"] = plan
    # Not idempotent: repeating it after it reached the server could create two tenants.
    return Call("POST", "/v1/tenants", lambda b: as_uuid(b["tenant_id"]), body, repeatable=False)


def entitlements(tenant_id: Any) -> Call[list[Entitlement]]:
    return Call(
        "GET",
        f"/v1/tenants/{_id(tenant_id)}/entitlements",
        lambda b: [Entitlement.from_row(r) for r in b["entitlements"]],
    )


def entitlement(tenant_id: Any, feature: str) -> Call[Entitlement]:
    return Call(
        "GET",
        f"/v1/tenants/{_id(tenant_id)}/entitlements/{quote(feature, safe='')}",
        Entitlement.from_row,
    )


def track_object(
    tenant_id: Any, object_key: str, size_bytes: int, category: str
) -> Call[TrackedObject]:
    body = {"object_key": object_key, "size_bytes": size_bytes, "category": category}
    return Call(
        "POST", f"/v1/tenants/{_id(tenant_id)}/storage/objects", TrackedObject.from_row, body
    )


def forget_object(tenant_id: Any, object_key: str) -> Call[int]:
    # The key is the rest of the path; its slashes stay, anything else reserved is encoded.
    return Call(
        "DELETE",
        f"/v1/tenants/{_id(tenant_id)}/storage/objects/{quote(object_key, safe='/')}",
        lambda b: int(b["released_bytes"]),
    )


def create_upload(
    tenant_id: Any,
    size_bytes: int,
    *,
    file_name: str | None,
    object_key: str | None,
    category: str | None,
    content_type: str | None,
) -> Call[Upload]:
    body: dict[str, Any] = {"size_bytes": size_bytes}
    for name, value in (
        ("file_name", file_name),
        ("object_key", object_key),
        ("category", category),
        ("content_type", content_type),
    ):
        if value is not None:
            body[name] = value
    # With a file name every call places a new key (and reserves its bytes): repeated only
    # when it surely never reached Ratecard. With an object key a repeat replaces the
    # pending upload of that key, so it is safe to repeat.
    return Call(
        "POST",
        f"/v1/tenants/{_id(tenant_id)}/storage/uploads",
        Upload.from_row,
        body,
        repeatable=object_key is not None,
    )


def storage_usage(tenant_id: Any) -> Call[StorageUsage]:
    return Call(
        "GET",
        f"/v1/tenants/{_id(tenant_id)}/storage",
        lambda b: StorageUsage.from_rows(b["tenant_id"], b["categories"]),
    )


def billing_session(
    tenant_id: Any, ttl_seconds: int | None, return_url: str | None
) -> Call[BillingSession]:
    body: dict[str, Any] = {}
    if ttl_seconds is not None:
        body["ttl_seconds"] = ttl_seconds
    if return_url is not None:
        body["return_url"] = return_url
    # A repeat makes a second link; the unused one expires on its own.
    return Call(
        "POST",
        f"/v1/tenants/{_id(tenant_id)}/billing-session",
        BillingSession.from_row,
        body,
    )


_INDEX = re.compile(r"^index (\d+)$")
_EVENT_KEY = re.compile(r"^events\[(\d+)\]")


def failed_index(err: RatecardError) -> int | None:
    """The failing event's index within its part, when Ratecard named it: `index <n>` in
    DETAIL for rule errors, `events[<n>]...` in the problem list for shape errors."""
    if isinstance(err.detail, str) and (m := _INDEX.match(err.detail)):
        return int(m.group(1))
    if isinstance(err.detail, list):
        for problem in err.detail:
            key = problem.get("key") if isinstance(problem, dict) else None
            if isinstance(key, str) and (m := _EVENT_KEY.match(key)):
                return int(m.group(1))
    return None


def batch_error(err: RatecardError, recorded: UsageBatchResult, offset: int) -> UsageBatchError:
    i = failed_index(err)
    return UsageBatchError(
        err, recorded=recorded, index=None if i is None else offset + i, offset=offset
    )


_LINE_KEY = re.compile(r"^line (\d+)$")


def stream_error(err: RatecardError, recorded: UsageBatchResult, offset: int) -> UsageBatchError:
    """A failed stream body: `line <n>` (1-based, in DETAIL or a problem's key) is the
    event at index offset + n - 1."""
    line: int | None = None
    if isinstance(err.detail, str) and (m := _LINE_KEY.match(err.detail)):
        line = int(m.group(1))
    elif isinstance(err.detail, list):
        for problem in err.detail:
            key = problem.get("key") if isinstance(problem, dict) else None
            if isinstance(key, str) and (m := _LINE_KEY.match(key)):
                line = int(m.group(1))
                break
    return UsageBatchError(
        err, recorded=recorded, index=None if line is None else offset + line - 1, offset=offset
    )
