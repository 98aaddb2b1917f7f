"""`ratecard keys create / revoke` (ratecard/cli.py): the printed key works over HTTP;
mistakes are one line."""

from __future__ import annotations

import psycopg
import pytest
from litestar.testing import TestClient

from tests.api.conftest import Demo, assert_error, bearer


def test_create_use_and_revoke(cli, client: TestClient, demo: Demo, db: psycopg.Connection) -> None:
    code, out, err = cli("keys", "create", "--role", "service", "--name", "cli test")
    assert (code, err) == (0, "")
    key = out.strip()
    assert key.startswith("rc_") and len(out.splitlines()) == 1
    assert db.execute("select role, name from core.api_keys where key_id = %s",
                      (key.split("_")[1],)).fetchone() == ("service", "cli test")  # fmt: skip
    body = {"tenant_id": str(demo.acme), "feature": "api_calls"}
    assert client.post("/v1/check", json=body, headers=bearer(key)).status_code == 200

    code, out, _ = cli("keys", "revoke", key.split("_")[1])
    assert code == 0 and out.startswith("revoked ")
    assert db.execute(
        "select revoked_at is not null from core.api_keys where key_id = %s", (key.split("_")[1],)
    ).fetchone() == (True,)
    code, _, err = cli("keys", "revoke", key)  # the whole key works too; already revoked
    assert code == 1 and err.startswith("error: no active key") and len(err.splitlines()) == 1


def test_tenant_key(cli, client: TestClient, demo: Demo) -> None:
    code, out, _ = cli("keys", "create", "--role", "tenant", "--tenant", str(demo.globex),
                       "--name", "dash")  # fmt: skip
    assert code == 0
    r = client.get("/v1/me/entitlements", headers=bearer(out.strip()))
    assert r.json()["tenant_id"] == str(demo.globex)
    assert_error(client.post("/v1/check", json={}, headers=bearer(out.strip())), 403, "forbidden")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "tenant", "--name", "x"], "error: a tenant key needs --tenant"),
        (["--role", "service", "--tenant", "{globex}", "--name", "x"], "error: --tenant is only"),
        (["--role", "tenant", "--tenant", "acme", "--name", "x"], "error: --tenant must be"),
        (
            ["--role", "tenant", "--tenant", "00000000-0000-0000-0000-000000000000", "--name", "x"],
            "error: unknown tenant",
        ),
        (["--role", "admin", "--name", ""], "error: key name must be"),
    ],
)
def test_create_mistakes_are_one_line(
    cli, demo: Demo, db: psycopg.Connection, args: list[str], message: str
) -> None:
    args = [a.replace("{globex}", str(demo.globex)) for a in args]
    before = db.execute("select count(*) from core.api_keys").fetchone()
    code, out, err = cli("keys", "create", *args)
    assert (code, out) == (1, "")
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1
    assert db.execute("select count(*) from core.api_keys").fetchone() == before
