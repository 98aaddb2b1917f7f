"""Where to connect: the administrator login (migrations) and the application login."""

from __future__ import annotations

from ratecard.cluster import Cluster
from ratecard.config import AUTHENTICATOR_ROLE, Settings, with_user


def admin_conninfo(s: Settings) -> str:
    """The login that runs migrations: RATECARD_DATABASE_URL, or the embedded superuser."""
    return s.database_url or Cluster.embedded(s).conninfo()


def app_conninfo(s: Settings) -> str:
    """The login of the HTTP pool and the worker: the NOINHERIT authenticator role."""
    if s.app_database_url:
        return s.app_database_url
    return with_user(admin_conninfo(s), AUTHENTICATOR_ROLE)
