"""S3 for tests: event notifications built exactly as S3 sends them, and a local S3
server (moto in server mode, real HTTP on loopback) for real boto3 calls.

S3 URL-encodes the object key of an event like an HTML form (a space is '+', a '+' is
%2B, '/' stays), omits size and eTag from removals, and orders events of one key by
`sequencer`: a hexadecimal string; of two, the one that is greater once the shorter is
right-padded with zeros is the later event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import pytest

BUCKET = "ratecard-test"
REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def record(
    event: str,
    key: str,
    sequencer: str,
    size: int | None = None,
    *,
    bucket: str = BUCKET,
    time: str = "2026-11-27T10:00:00.000Z",
) -> dict[str, Any]:
    """One record of an S3 event notification (format 2.1), as S3 writes it."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/"), "sequencer": sequencer}
    if event.startswith("ObjectCreated"):
        obj = {
            "key": obj["key"],
            "size": size,
            "eTag": "d41d8cd98f00b204e9800998ecf8427e",
            "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
            "sequencer": sequencer,
        }
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": time,
        "eventName": event,
        "userIdentity": {"principalId": "AWS:AIDAJDPLRKLG7UEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {
            "x-amz-request-id": "C3D13FE58DE4C810",
            "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "ratecard-storage",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def created(key: str, size: int, sequencer: str, **kw: Any) -> dict[str, Any]:
    return record("ObjectCreated:Put", key, sequencer, size, **kw)


def removed(key: str, sequencer: str, **kw: Any) -> dict[str, Any]:
    return record("ObjectRemoved:Delete", key, sequencer, **kw)


def notification(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


@dataclass
class S3Server:
    """A moto S3 server on loopback and a boto3 client for it, with one bucket."""

    endpoint_url: str
    bucket: str
    client: Any

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


@contextmanager
def s3_server(bucket: str = BUCKET) -> Iterator[S3Server]:
    """moto's ThreadedMotoServer on 127.0.0.1, a free port; real HTTP, no patching."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        client.create_bucket(Bucket=bucket)
        yield S3Server(url, bucket, client)
    finally:
        server.stop()


# pytest fixtures (tests/conftest.py loads this module as a plugin)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One moto S3 server for the session (each test gets its own bucket)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """A fresh bucket on the session's moto server, credentials in boto3's standard
    environment variables (the chain Ratecard uses), and a client for the test."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    bucket = f"rc-{uuid.uuid4().hex[:20]}"
    client = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
    client.create_bucket(Bucket=bucket)
    return S3Server(moto_server, bucket, client)


def settings_for(server: S3Server, webhook_secret: str = "s3-secret") -> Any:  # noqa: S107
    from ratecard.s3_gateway import S3Settings

    return S3Settings(
        bucket=server.bucket, endpoint_url=server.endpoint_url, webhook_secret=webhook_secret
    )
