"""API keys and guards (api/auth.py): 401 without a usable key, 403 for the wrong role,
the per-process verification cache and what it means for revocation."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

import psycopg
import pytest
from litestar.testing import TestClient

from api.auth import KeyCache, Principal, cache_seconds_from_env
from ratecard.errors import RatecardError
from tests.api.conftest import Demo, assert_error, bearer, new_key

ZERO = "00000000-0000-0000-0000-000000000000"


def check_body(demo: Demo) -> dict[str, object]:
    return {"tenant_id": str(demo.acme), "feature": "api_calls"}


# -- 401 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer rc_x_y"},  # not the shape of a key
        {"Authorization": "Bearer " + "a" * 5000},
        # well formed, unknown id
        {"Authorization": "Bearer rc_0123456789abcdef_" + "0" * 64},
    ],
    ids=["none", "empty", "no-token", "blank-token", "basic", "malformed", "huge", "unknown"],
)
def test_missing_or_bad_key_is_401(client: TestClient, demo: Demo, headers: dict[str, str]) -> None:
    r = client.post("/v1/check", json=check_body(demo), headers=headers)
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"


def test_wrong_secret_for_a_real_key_id_is_401(client: TestClient, demo: Demo) -> None:
    key = demo.service["Authorization"].removeprefix("Bearer ")
    prefix, key_id, secret = key.split("_")
    forged = f"{prefix}_{key_id}_{'0' * len(secret)}"
    r = client.post("/v1/check", json=check_body(demo), headers=bearer(forged))
    assert_error(r, 401, "unauthorized")


def test_scheme_is_case_insensitive(client: TestClient, demo: Demo) -> None:
    key = demo.service["Authorization"].removeprefix("Bearer ")
    r = client.post("/v1/check", json=check_body(demo), headers={"Authorization": f"bearer {key}"})
    assert r.status_code == 200, r.text


def test_auth_comes_before_the_body(client: TestClient) -> None:
    """Without a key, even a malformed body is answered 401: nothing about the body leaks."""
    r = client.post(
        "/v1/consume", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(r, 401, "unauthorized")
    r = client.put("/v1/admin/features/x", content=b"[]")
    assert_error(r, 401, "unauthorized")


# -- 403 ------------------------------------------------------------------------------------

SERVICE_ROUTES = [
    ("POST", "/v1/check", {"tenant_id": ZERO, "feature": "api_calls"}),
    ("POST", "/v1/consume", {"tenant_id": ZERO, "feature": "api_calls"}),
    ("POST", "/v1/usage", {"events": []}),
    ("POST", "/v1/tenants", {"name": "X"}),
    ("GET", f"/v1/tenants/{ZERO}/entitlements", None),
    ("GET", f"/v1/tenants/{ZERO}/entitlements/api_calls", None),
    ("POST", f"/v1/tenants/{ZERO}/storage/objects", {"object_key": "k", "size_bytes": 1}),
    ("DELETE", f"/v1/tenants/{ZERO}/storage/objects/k", None),
    ("GET", f"/v1/tenants/{ZERO}/storage", None),
]
ADMIN_ROUTES = [
    ("PUT", "/v1/admin/features/x", {"kind": "switch"}),
    ("PUT", "/v1/admin/plans/x", {"name": "X", "price_cents": 0}),
    ("PUT", "/v1/admin/plans/starter/limits/sso", {"limit": None}),
    ("PUT", f"/v1/admin/tenants/{ZERO}/overrides/sso", {"limit": None}),
    ("DELETE", f"/v1/admin/tenants/{ZERO}/overrides/sso", None),
    ("PUT", f"/v1/admin/tenants/{ZERO}/plan", {"plan": "pro"}),
    ("POST", f"/v1/admin/tenants/{ZERO}/addons/extra_emails", None),
    ("DELETE", f"/v1/admin/tenants/{ZERO}/addons/extra_emails", None),
]
TENANT_ROUTES = [("GET", "/v1/me/entitlements", None)]


def _call(client: TestClient, method: str, path: str, body: object, headers: dict[str, str]):
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body"), SERVICE_ROUTES)
def test_tenant_keys_cannot_use_service_routes(
    client: TestClient, demo: Demo, db: psycopg.Connection, method: str, path: str, body: object
) -> None:
    path = path.replace(ZERO, str(demo.globex))
    before = db.execute("select count(*) from core.tenants").fetchone()
    r = _call(client, method, path, body, demo.tenant)
    assert_error(r, 403, "forbidden")
    assert db.execute("select count(*) from core.tenants").fetchone() == before


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_admin_routes_need_an_admin_key(
    client: TestClient, demo: Demo, method: str, path: str, body: object
) -> None:
    for headers in (demo.service, demo.tenant):
        assert_error(_call(client, method, path, body, headers), 403, "forbidden")
    # and with one, the same request gets past the guard to the SQL call
    assert _call(client, method, path, body, demo.admin).status_code != 403


@pytest.mark.parametrize(("method", "path", "body"), TENANT_ROUTES)
def test_me_routes_need_a_tenant_key(
    client: TestClient, demo: Demo, method: str, path: str, body: object
) -> None:
    for headers in (demo.service, demo.admin):
        assert_error(_call(client, method, path, body, headers), 403, "forbidden")


def test_admin_keys_may_use_service_routes(client: TestClient, demo: Demo) -> None:
    r = client.post("/v1/consume", json=check_body(demo), headers=demo.admin)
    assert r.status_code == 200 and r.json()["used"] == 1


# -- the cache ------------------------------------------------------------------------------


def test_revoked_key_is_refused_at_once_without_cache(
    make_client: Callable[..., TestClient], demo: Demo, db: psycopg.Connection
) -> None:
    c = make_client(key_cache_seconds=0)
    key = new_key(db, "service")
    assert c.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 200
    db.execute("select api.revoke_api_key(%s)", (key.split("_")[1],))
    r = c.post("/v1/check", json=check_body(demo), headers=bearer(key))
    assert_error(r, 401, "unauthorized")


def test_revocation_takes_effect_when_the_cached_verification_expires(
    make_client: Callable[..., TestClient], demo: Demo, db: psycopg.Connection
) -> None:
    c = make_client(key_cache_seconds=30)
    key = new_key(db, "service")
    assert c.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 200
    db.execute("select api.revoke_api_key(%s)", (key.split("_")[1],))
    # Within the cache time this process still accepts the key (documented) ...
    assert c.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 200
    # ... and once its verification expires, it does not.
    c.app.state.key_cache.clear()
    assert c.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 401
    # A process that never saw the key refuses it at once.
    fresh = make_client(key_cache_seconds=30)
    assert fresh.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 401


def _plant_key(db: psycopg.Connection, key_id: str, secret: str) -> None:
    db.execute(
        "insert into core.api_keys (key_id, secret_hash, role, name, created_at)"
        " values (%s, %s, 'service', 'planted', now())",
        (key_id, hashlib.sha256(secret.encode()).digest()),
    )


def test_failed_verifications_are_cached_too(
    make_client: Callable[..., TestClient], demo: Demo, db: psycopg.Connection
) -> None:
    key_id, secret = "plantedkey1", "s" * 32
    key = f"rc_{key_id}_{secret}"
    cached, uncached = make_client(key_cache_seconds=30), make_client(key_cache_seconds=0)
    for c in (cached, uncached):
        assert c.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 401
    _plant_key(db, key_id, secret)  # the key becomes valid in the database
    assert uncached.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 200
    assert cached.post("/v1/check", json=check_body(demo), headers=bearer(key)).status_code == 401


def test_a_cached_key_costs_no_query(
    client: TestClient, demo: Demo, db: psycopg.Connection
) -> None:
    """With the key cached, the request's only SQL is its business call: even with
    api.authenticate_key out of the authenticator's reach the request succeeds."""
    body = check_body(demo)
    assert client.post("/v1/check", json=body, headers=demo.service).status_code == 200
    db.execute("revoke execute on function api.authenticate_key(text) from ratecard_authenticator")
    assert client.post("/v1/check", json=body, headers=demo.service).status_code == 200
    # An uncached key now needs the function, and fails closed (never a pass).
    r = client.post("/v1/check", json=body, headers=demo.admin)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


# -- KeyCache and configuration ------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


P = Principal("k1", "service", None)


def test_key_cache_expires_entries() -> None:
    clock = FakeClock()
    cache = KeyCache(30, clock=clock)
    cache.put("good", P)
    cache.put("bad", None)
    assert cache.get("good") == (True, P)
    assert cache.get("bad") == (True, None)
    assert cache.get("other") == (False, None)
    clock.now += 29.9
    assert cache.get("good") == (True, P)
    clock.now += 0.1
    assert cache.get("good") == (False, None)
    assert cache.get("bad") == (False, None)
    assert len(cache) == 0


def test_key_cache_is_bounded() -> None:
    clock = FakeClock()
    cache = KeyCache(30, max_entries=3, clock=clock)
    for k in ("a", "b", "c"):
        cache.put(k, P)
    cache.put("d", None)  # full: the oldest goes
    assert len(cache) == 3
    assert cache.get("a") == (False, None)
    assert cache.get("d") == (True, None)
    clock.now += 31  # all expired: expired entries go first
    cache.put("e", P)
    assert len(cache) == 1 and cache.get("e") == (True, P)


def test_key_cache_zero_seconds_caches_nothing() -> None:
    cache = KeyCache(0)
    cache.put("a", P)
    assert cache.get("a") == (False, None) and len(cache) == 0


def test_principal_roles() -> None:
    assert Principal("k", "service", None).db_role == "ratecard_service"
    assert Principal("k", "admin", None).db_role == "ratecard_admin"
    tenant = uuid.uuid4()
    t = Principal("k", "tenant", tenant)
    assert (t.db_role, t.tenant_setting) == ("ratecard_tenant", str(tenant))


@pytest.mark.parametrize(
    ("raw", "expected"), [("", 30.0), ("0", 0.0), ("2.5", 2.5), (" 60 ", 60.0)]
)
def test_cache_seconds_from_env(monkeypatch: pytest.MonkeyPatch, raw: str, expected: float) -> None:
    monkeypatch.setenv("RATECARD_API_KEY_CACHE_SECONDS", raw)
    assert cache_seconds_from_env() == expected


@pytest.mark.parametrize("raw", ["-1", "soon", "nan", "inf"])
def test_cache_seconds_from_env_rejects(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("RATECARD_API_KEY_CACHE_SECONDS", raw)
    with pytest.raises(RatecardError, match="RATECARD_API_KEY_CACHE_SECONDS"):
        cache_seconds_from_env()
