"""What the clients return: plain frozen dataclasses, the same from HTTP and from SQL.

Each type builds itself from one answer row (`from_row`): a JSON object from the HTTP API
or a dict row from psycopg. Timestamps come as ISO 8601 strings over HTTP and as
datetimes over SQL; ids as strings or UUIDs: both end up as `datetime` and `UUID`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

Row = Mapping[str, Any]


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


@dataclass(frozen=True, slots=True)
class Consumption:
    """The outcome of `consume`: whether `amount` was counted, and the meter after it.

    `duplicate` is true when Ratecard had already seen `idempotency_key`: the outcome is
    then the first call's, and nothing was counted again (a retry after a lost answer).
    `limit` and `remaining` are None when unlimited. `resets_at` is when the meter starts
    again at zero (the next hour for an hourly rate limit); None for gauges.
    """

    allowed: bool
    duplicate: bool
    used: int
    limit: int | None
    remaining: int | None
    state: str
    resets_at: datetime | None
    idempotency_key: str | None = None

    @classmethod
    def from_row(cls, row: Row, idempotency_key: str | None = None) -> Consumption:
        return cls(
            allowed=bool(row["allowed"]),
            duplicate=bool(row["duplicate"]),
            used=int(row["used"]),
            limit=row["limit"],
            remaining=row["remaining"],
            state=row["state"],
            resets_at=_dt(row.get("resets_at")),
            idempotency_key=idempotency_key,
        )


@dataclass(frozen=True, slots=True)
class UsageEvent:
    """Usage that already happened, for `record_usage_batch`. Each event is counted once
    by its `idempotency_key` (generated when the batch is built if you give none; give
    your own, e.g. your event's id, to make re-sending the same batch safe)."""

    tenant_id: UUID | str
    feature: str
    amount: int
    idempotency_key: str | None = None
    occurred_at: datetime | None = None
    properties: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class UsageBatchResult:
    """Events counted now, and events Ratecard had already counted under the same key.
    `requests` is how many calls the batch was split into (at most 10,000 events each)."""

    accepted: int = 0
    duplicates: int = 0
    requests: int = 0

    def __add__(self, other: UsageBatchResult) -> UsageBatchResult:
        return UsageBatchResult(
            self.accepted + other.accepted,
            self.duplicates + other.duplicates,
            self.requests + other.requests,
        )

    @classmethod
    def from_row(cls, row: Row) -> UsageBatchResult:
        return cls(int(row["accepted"]), int(row["duplicates"]), 1)


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What a tenant may use of one feature now (api.get_entitlement)."""

    feature: str
    kind: str
    enabled: bool
    limit: int | None
    used: int | None
    remaining: int | None
    percent_used: float | None
    period_start: datetime | None
    period_end: datetime | None
    state: str
    grace_until: datetime | None
    source: str

    @classmethod
    def from_row(cls, row: Row) -> Entitlement:
        pct = row["percent_used"]
        return cls(
            feature=row["feature"],
            kind=row["kind"],
            enabled=bool(row["enabled"]),
            limit=row["limit"],
            used=row["used"],
            remaining=row["remaining"],
            percent_used=None if pct is None else float(pct),
            period_start=_dt(row["period_start"]),
            period_end=_dt(row["period_end"]),
            state=row["state"],
            grace_until=_dt(row["grace_until"]),
            source=row["source"],
        )


@dataclass(frozen=True, slots=True)
class TrackedObject:
    """The outcome of `track_object`: whether the object fits, and the storage gauge after
    it. `duplicate` is true when the key was already tracked with this size."""

    allowed: bool
    duplicate: bool
    used: int
    limit: int | None
    remaining: int | None
    state: str

    @classmethod
    def from_row(cls, row: Row) -> TrackedObject:
        return cls(
            allowed=bool(row["allowed"]),
            duplicate=bool(row["duplicate"]),
            used=int(row["used"]),
            limit=row["limit"],
            remaining=row["remaining"],
            state=row["state"],
        )


@dataclass(frozen=True, slots=True)
class Upload:
    """The outcome of `create_upload`: where the object goes, until when the presigned POST
    is valid (`expires_at`) and the bytes stay reserved (`pending_until`), the storage
    gauge after the reservation, and the POST itself: send a multipart form to `url` with
    every item of `fields`, then the file as the last field `file`, of exactly
    `size_bytes` bytes (S3 refuses any other size)."""

    object_key: str
    category: str
    size_bytes: int
    content_type: str | None
    expires_at: datetime
    pending_until: datetime
    used: int
    limit: int | None
    remaining: int | None
    state: str
    url: str
    fields: dict[str, str]

    @classmethod
    def from_row(cls, row: Row) -> Upload:
        return cls(
            object_key=row["object_key"],
            category=row["category"],
            size_bytes=int(row["size_bytes"]),
            content_type=row["content_type"],
            expires_at=_dt(row["expires_at"]),  # type: ignore[arg-type]
            pending_until=_dt(row["pending_until"]),  # type: ignore[arg-type]
            used=int(row["used"]),
            limit=row["limit"],
            remaining=row["remaining"],
            state=row["state"],
            url=row["upload"]["url"],
            fields=dict(row["upload"]["fields"]),
        )


@dataclass(frozen=True, slots=True)
class StorageCategory:
    category: str
    objects: int
    bytes: int

    @classmethod
    def from_row(cls, row: Row) -> StorageCategory:
        return cls(row["category"], int(row["objects"]), int(row["bytes"]))


@dataclass(frozen=True, slots=True)
class StorageUsage:
    """Objects and bytes per storage category (every category listed)."""

    tenant_id: UUID
    categories: tuple[StorageCategory, ...] = field(default_factory=tuple)

    @property
    def total_bytes(self) -> int:
        return sum(c.bytes for c in self.categories)

    @classmethod
    def from_rows(cls, tenant_id: Any, rows: list[Row]) -> StorageUsage:
        return cls(_uuid(tenant_id), tuple(StorageCategory.from_row(r) for r in rows))


@dataclass(frozen=True, slots=True)
class BillingSession:
    """A link to a tenant's billing page: send the signed-in user to `url` now. It works
    once, until `expires_at` (15 minutes unless asked otherwise); the page then runs on its
    own hour-long session."""

    url: str
    expires_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> BillingSession:
        expires = _dt(row["expires_at"])
        assert expires is not None
        return cls(url=str(row["url"]), expires_at=expires)


def as_uuid(value: Any) -> UUID:
    """A tenant id given as a UUID or its text form."""
    return _uuid(value)
