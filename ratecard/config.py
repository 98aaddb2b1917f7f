"""Configuration, read once from the environment.

Every knob has a default that works on a fresh checkout: with no RATECARD_DATABASE_URL the
CLI runs a private PostgreSQL cluster under .ratecard/ in the checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ratecard.errors import RatecardError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Roles created by `ratecard db migrate` (see sql/bootstrap/roles_and_schemas.sql).
OWNER_ROLE = "ratecard_owner"
AUTHENTICATOR_ROLE = "ratecard_authenticator"
EMBEDDED_DBNAME = "ratecard"
EMBEDDED_SUPERUSER = "postgres"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise RatecardError(f"{name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with where it comes from."""

    # External server: a libpq URL or key=value string; empty means the embedded cluster.
    database_url: str = ""
    # The URL the HTTP API and worker use (they log in as the authenticator role).
    app_database_url: str = ""
    home: Path = field(default_factory=lambda: PROJECT_ROOT / ".ratecard")
    pg_port: int = 54329
    pg_bindir: Path = Path("/usr/lib/postgresql/15/bin")
    pg_os_user: str = "postgres"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "info"
    log_format: str = "text"  # text | json
    # Where users reach the pages (billing links point there; https makes cookies Secure).
    # Empty: the address each request came to.
    public_url: str = ""
    # Signs the pages' CSRF tokens; empty: a random one per API process (set it when
    # several processes serve the pages).
    csrf_secret: str = ""

    @property
    def embedded(self) -> bool:
        return not self.database_url

    @classmethod
    def from_env(cls) -> Settings:
        url = os.environ.get("RATECARD_DATABASE_URL", "").strip()
        if url:
            _check_url(url, "RATECARD_DATABASE_URL")
        app_url = os.environ.get("RATECARD_APP_DATABASE_URL", "").strip()
        if app_url:
            _check_url(app_url, "RATECARD_APP_DATABASE_URL")
        return cls(
            database_url=url,
            app_database_url=app_url,
            home=Path(_env("RATECARD_HOME", str(PROJECT_ROOT / ".ratecard"))).resolve(),
            pg_port=_env_int("RATECARD_PG_PORT", 54329),
            pg_bindir=Path(_env("RATECARD_PG_BINDIR", "/usr/lib/postgresql/15/bin")),
            pg_os_user=_env("RATECARD_PG_OS_USER", "postgres"),
            http_host=_env("RATECARD_HTTP_HOST", "127.0.0.1"),
            http_port=_env_int("RATECARD_HTTP_PORT", 8080),
            log_level=_env("RATECARD_LOG_LEVEL", "info").lower(),
            log_format=_log_format(_env("RATECARD_LOG_FORMAT", "text").lower()),
            public_url=_public_url(os.environ.get("RATECARD_PUBLIC_URL", "").strip()),
            csrf_secret=os.environ.get("RATECARD_CSRF_SECRET", "").strip(),
        )


def _log_format(value: str) -> str:
    if value not in ("text", "json"):
        raise RatecardError(f"RATECARD_LOG_FORMAT must be text or json, got {value!r}")
    return value


def _public_url(url: str) -> str:
    if url and (not url.startswith(("http://", "https://")) or any(c.isspace() for c in url)):
        raise RatecardError(
            f"RATECARD_PUBLIC_URL must be an http or https URL, got {url!r}",
            "e.g. https://billing.example.com (where users reach /billing and /admin)",
        )
    return url.rstrip("/")


def _check_url(url: str, name: str) -> None:
    hint = "use the form postgresql://user:password@host:5432/dbname"
    if "://" in url and not url.startswith(("postgresql://", "postgres://")):
        scheme = url.split("://", 1)[0]
        raise RatecardError(f"{name} is not a valid PostgreSQL URL: scheme {scheme!r}", hint)
    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # psycopg raises ProgrammingError with a terse text
        raise RatecardError(f"{name} is not a valid PostgreSQL URL: {exc}", hint) from None
    for port in str(params.get("port", "")).split(","):
        if port and not port.isdigit():
            raise RatecardError(f"{name} is not a valid PostgreSQL URL: port {port!r}", hint)


def with_user(conninfo: str, user: str, password: str | None = None) -> str:
    """The same server and database, logged in as another role."""
    params = conninfo_to_dict(conninfo)
    params["user"] = user
    if password is not None:
        params["password"] = password
    else:
        params.pop("password", None)
    return make_conninfo(**params)
