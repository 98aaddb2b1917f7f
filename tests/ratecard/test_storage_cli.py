"""`ratecard storage reconcile / runs` (ratecard/storage_cli.py) against the test's database
and a real bucket (moto in server mode): progress per page, per-tenant results, a dry run,
one tenant, and what happens without a bucket."""

from __future__ import annotations

import psycopg
import pytest

from tests.s3 import S3Server
from tests.sql.conftest import CATALOG_SQL, Api


@pytest.fixture
def cli(cli, s3: S3Server, monkeypatch: pytest.MonkeyPatch):
    """The shared `cli` (tests/conftest.py), pointed at the test's bucket too."""
    monkeypatch.setenv("RATECARD_S3_BUCKET", s3.bucket)
    monkeypatch.setenv("RATECARD_S3_ENDPOINT_URL", s3.endpoint_url)
    return cli


def test_reconcile_by_hand(cli, db: psycopg.Connection, s3: S3Server,
                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    api = Api(db)
    api.admin(CATALOG_SQL)
    a = api.tenant("a")
    s3.put(f"tenants/{a}/upload/x.pdf", b"x" * 10)
    s3.put("misc/readme.txt", b"x")
    api.service("select * from api.track_object(%s, %s, 99)", a, f"tenants/{a}/upload/gone")

    code, out, _ = cli("storage", "reconcile", "--dry-run")
    assert code == 0, out
    assert "dry run" in out and "page 1: listed 2, added 1, removed 1" in out
    assert api.entitlement(a, "storage_bytes")["used"] == 99  # nothing changed

    code, out, _ = cli("storage", "reconcile", "--tenant", str(a))
    assert code == 0
    assert "succeeded" in out and str(a) in out
    assert api.entitlement(a, "storage_bytes")["used"] == 10

    code, out, _ = cli("storage", "reconcile")
    assert "unattributed 1" in out and "misc/readme.txt" in out

    code, out, _ = cli("storage", "runs")
    assert code == 0 and len(out.splitlines()) == 2 + 3

    code, _, err = cli("storage", "reconcile", "--tenant", "00000000-0000-0000-0000-000000000000")
    assert code == 1 and "tenant" in err
    monkeypatch.delenv("RATECARD_S3_BUCKET")
    code, _, err = cli("storage", "reconcile")
    assert code == 1 and "RATECARD_S3_BUCKET" in err
