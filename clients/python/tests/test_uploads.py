"""create_upload: the pre-upload check and presigned POST (POST .../storage/uploads), with
the blocking and the asyncio HTTP clients, against the API served on loopback with a real
bucket (moto in server mode)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from ratecard_client import AsyncRatecardClient, RatecardClient, StorageLimitExceeded, Upload
from rc_support import Ratecard

from api.app import create_app
from ratecard.config import Settings
from ratecard.stripe_gateway import StripeSettings
from tests.s3 import S3Server, settings_for
from tests.serving import serve


@pytest.fixture
def served(demo: Ratecard, s3: S3Server) -> Iterator[Ratecard]:
    app = create_app(
        Settings(database_url=demo.dsn),
        stripe_settings=StripeSettings(),
        s3_settings=settings_for(s3),
    )
    with serve(app, ready_path="/readyz", name="ratecard-api") as url:
        yield replace(demo, url=url)


def test_create_upload_and_post_the_file(served: Ratecard, s3: S3Server) -> None:
    with RatecardClient(served.url, served.key) as client:
        up = client.create_upload(
            served.acme, 1234, file_name="a b.pdf", category="upload",
            content_type="application/pdf",
        )  # fmt: skip
        assert isinstance(up, Upload)
        assert up.object_key.startswith(f"tenants/{served.acme}/upload/")
        assert (up.size_bytes, up.used, up.state) == (1234, 1234, "ok")
        policy = json.loads(base64.b64decode(up.fields["policy"]))
        assert ["content-length-range", 1234, 1234] in policy["conditions"]
        r = httpx.post(up.url, data=up.fields, files={"file": ("f", b"x" * 1234)})
        assert r.status_code == 204
        assert s3.client.head_object(Bucket=s3.bucket, Key=up.object_key)["ContentLength"] == 1234
        # a named key: the category comes from the key
        key = f"tenants/{served.acme}/backup/db.dump"
        named = client.create_upload(served.acme, 10, object_key=key)
        assert (named.object_key, named.category) == (key, "backup")
        with pytest.raises(StorageLimitExceeded) as e:
            client.create_upload(served.acme, 6 * 1024 * 1024, file_name="big", category="backup")
        assert e.value.code == "storage_limit_exceeded" and e.value.status == 403
        assert client.storage_usage(served.acme).total_bytes == 0  # nothing confirmed yet


def test_create_upload_async(served: Ratecard) -> None:
    async def go() -> Upload:
        async with AsyncRatecardClient(served.url, served.key) as client:
            return await client.create_upload(
                served.globex, 5, file_name="p.png", category="profile_image"
            )

    up = asyncio.run(go())
    assert up.category == "profile_image" and up.fields["key"] == up.object_key
