"""Talking to S3: the only Python that knows S3's API (boto3). It signs presigned uploads
and lists the bucket; what S3 says is handed to SQL (api.create_upload decides before a
presigned POST is signed, api.receive_s3_events and api.reconcile_storage_page apply what
S3 reports), so the rules stay in PostgreSQL.

Configuration (environment):
  RATECARD_S3_BUCKET          the bucket Ratecard tracks; without it the upload route and
                              the reconciliation answer storage_not_configured
  RATECARD_S3_ENDPOINT_URL    another S3-compatible store (MinIO, Ceph, moto, R2, ...);
                              unset: AWS
  RATECARD_S3_REGION          the bucket's region for signing (default: boto3's, else
                              us-east-1)
  RATECARD_S3_WEBHOOK_SECRET  the shared secret of POST /webhooks/s3
Credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
AWS_PROFILE and ~/.aws, web identity, container and instance roles); Ratecard has no
variable of its own for them.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from ratecard.errors import RatecardError

# What a presigned POST or one list call may take at most (S3's own limits).
MAX_POST_BYTES = 5 * 1024**3
PAGE_SIZE = 1000


class StorageNotConfigured(RatecardError):
    """RATECARD_S3_BUCKET (or credentials, or RATECARD_S3_WEBHOOK_SECRET) is missing."""


@dataclass(frozen=True)
class S3Settings:
    bucket: str = ""
    endpoint_url: str = ""
    region: str = ""
    webhook_secret: str = ""
    # a client made once per settings object (boto3 clients are thread-safe)
    _client: list[Any] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def from_env(cls) -> S3Settings:
        return cls(
            bucket=os.environ.get("RATECARD_S3_BUCKET", "").strip(),
            endpoint_url=os.environ.get("RATECARD_S3_ENDPOINT_URL", "").strip(),
            region=os.environ.get("RATECARD_S3_REGION", "").strip(),
            webhook_secret=os.environ.get("RATECARD_S3_WEBHOOK_SECRET", "").strip(),
        )

    @property
    def configured(self) -> bool:
        return bool(self.bucket)

    def client(self) -> Any:
        """The boto3 S3 client (signature v4), or StorageNotConfigured without a bucket or
        credentials."""
        if self._client:
            return self._client[0]
        if not self.bucket:
            raise StorageNotConfigured("object storage is not configured", "set RATECARD_S3_BUCKET")
        import boto3
        from botocore.config import Config

        session = boto3.session.Session()
        if session.get_credentials() is None:
            raise StorageNotConfigured(
                "no S3 credentials were found",
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or a role",
            )
        client = session.client(
            "s3",
            endpoint_url=self.endpoint_url or None,
            region_name=self.region or session.region_name or "us-east-1",
            config=Config(
                signature_version="s3v4",
                retries={"max_attempts": 5, "mode": "standard"},
                # path-style for S3-compatible stores on an endpoint of their own
                s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            ),
        )
        self._client.append(client)
        return client


def presigned_post(
    s: S3Settings, key: str, size: int, content_type: str | None, expires_in: int
) -> dict[str, Any]:
    """An S3 presigned POST for exactly `size` bytes at `key`: its policy holds
    ["content-length-range", size, size] (and the Content-Type when given), so S3 refuses
    a file of any other size. Signing needs no call to S3."""
    fields: dict[str, str] = {}
    conditions: list[Any] = [["content-length-range", size, size]]
    if content_type:
        fields["Content-Type"] = content_type
        conditions.append({"Content-Type": content_type})
    post = s.client().generate_presigned_post(
        Bucket=s.bucket, Key=key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
    )
    return {"method": "POST", "url": post["url"], "fields": post["fields"]}


@dataclass
class Page:
    """One page of a listing: its objects as api.reconcile_storage_page takes them."""

    objects: list[dict[str, Any]]
    last: bool
    listed_at: str | None  # S3's Date header: the time of the listing, on S3's clock


def list_pages(s: S3Settings, prefix: str = "", page_size: int = PAGE_SIZE) -> Iterator[Page]:
    """Walk the bucket with list_objects_v2, a page at a time, in key order (UTF-8 bytes).
    Only one page is held at a time, whatever the bucket's size. Keys come decoded
    (botocore asks for URL-encoded keys and decodes them)."""
    paginator = s.client().get_paginator("list_objects_v2")
    pages = paginator.paginate(
        Bucket=s.bucket, Prefix=prefix, PaginationConfig={"PageSize": page_size}
    )
    for raw in pages:
        date = raw.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        listed_at = None
        if date:
            try:
                listed_at = parsedate_to_datetime(date).isoformat()
            except (TypeError, ValueError):
                listed_at = None
        yield Page(
            objects=[
                {"k": o["Key"], "s": o["Size"], "m": o["LastModified"].isoformat()}
                for o in raw.get("Contents", ())
            ],
            last=not raw.get("IsTruncated", False),
            listed_at=listed_at,
        )


def webhook_authorized(s: S3Settings, authorization: str | None) -> bool:
    """Does the request carry the shared secret? `Authorization: Bearer <secret>`, or HTTP
    Basic with the secret as password (any user name; what SNS sends for an endpoint
    https://user:secret@host/webhooks/s3). Compared in constant time."""
    if not s.webhook_secret:
        raise StorageNotConfigured(
            "S3 event intake is not configured", "set RATECARD_S3_WEBHOOK_SECRET"
        )
    if not authorization:
        return False
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        import base64
        import binascii

        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        value = decoded.partition(":")[2]
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode(), s.webhook_secret.encode())
