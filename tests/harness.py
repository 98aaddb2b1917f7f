"""Test harness: one real PostgreSQL cluster per session, a migrated template, a fresh
database cloned from it for every test.

A pytest plugin (not a conftest) so that every test directory of the repository shares
it: tests/conftest.py and clients/python/tests/conftest.py both load it with
`pytest_plugins = ["tests.harness"]`, and pytest registers it once.

The cluster is started by the harness itself (ratecard.cluster, the same code as the
embedded database), as the unprivileged `postgres` OS user when pytest runs as root, with
fsync off because nothing here needs to survive a crash. pytest-postgresql's `noproc`
fixture then builds the template database (running `ratecard db migrate` on it once) and
clones it for each test that asks for `db`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pytest_postgresql import factories

from ratecard.cluster import Cluster
from ratecard.config import Settings
from ratecard.migrate import migrate

_settings = Settings.from_env()
# RATECARD_TEST_PG_PORT lets several checkouts run their suites side by side. Under
# pytest-xdist (`./dev test` runs two workers) each worker has a cluster of its own, on
# the port 100 + its number above that one.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEST_PORT = int(os.environ.get("RATECARD_TEST_PG_PORT", "55439")) + (
    100 + int(_WORKER.removeprefix("gw")) if _WORKER else 0
)
TEST_HOME = Path(tempfile.gettempdir()) / f"ratecard-pytest-{os.getpid()}"
CLUSTER = Cluster(
    home=TEST_HOME,
    port=TEST_PORT,
    bindir=_settings.pg_bindir,
    os_user=_settings.pg_os_user,
    # pg_cron's launcher lives in a database of its own, never in the template we clone.
    dbname="ratecard_cron",
    settings={
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "300",
        "log_min_messages": "error",
    },
)
SUPERUSER = "postgres"


def _runs_tests(config: pytest.Config) -> bool:
    """False in pytest-xdist's controller, which only hands tests to its workers."""
    return hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None)


def pytest_sessionstart(session: pytest.Session) -> None:
    if _runs_tests(session.config):
        CLUSTER.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _runs_tests(session.config):
        CLUSTER.destroy()
        shutil.rmtree(TEST_HOME, ignore_errors=True)


def _migrate_template(host: str, port: int, user: str, dbname: str, **kwargs: object) -> None:
    migrate(make_conninfo(host=host, port=str(port), user=user, dbname=dbname))


pg_server = factories.postgresql_noproc(
    host=str(CLUSTER.sockdir),
    port=CLUSTER.port,
    user=SUPERUSER,
    dbname="ratecard_test",
    load=[_migrate_template],
)
pg_clone = factories.postgresql("pg_server")


def dsn_for(dbname: str, user: str = SUPERUSER) -> str:
    return make_conninfo(
        host=str(CLUSTER.sockdir), port=str(CLUSTER.port), dbname=dbname, user=user
    )


@pytest.fixture
def dsn(pg_clone: psycopg.Connection) -> str:
    """Superuser conninfo of this test's own freshly cloned, migrated database."""
    return dsn_for(pg_clone.info.dbname)


@pytest.fixture
def connect(dsn: str) -> Iterator[Callable[..., psycopg.Connection]]:
    """Open extra connections to this test's database (closed at the end of the test)."""
    opened: list[psycopg.Connection] = []

    def _connect(user: str = SUPERUSER, autocommit: bool = True) -> psycopg.Connection:
        conn = psycopg.connect(dsn if user == SUPERUSER else dsn_for_user(dsn, user))
        conn.autocommit = autocommit
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        conn.close()


def dsn_for_user(dsn: str, user: str) -> str:
    from ratecard.config import with_user

    return with_user(dsn, user)


@pytest.fixture
def db(connect: Callable[..., psycopg.Connection]) -> psycopg.Connection:
    """An autocommit superuser connection to this test's database."""
    return connect()


@pytest.fixture
def scratch_db() -> Iterator[Callable[[str], str]]:
    """Create empty databases (not from the template); dropped at the end of the test."""
    made: list[str] = []

    def _make(name: str) -> str:
        with psycopg.connect(dsn_for("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')
            conn.execute(f'create database "{name}"')
        made.append(name)
        return dsn_for(name)

    yield _make
    with psycopg.connect(dsn_for("postgres"), autocommit=True) as conn:
        for name in made:
            conn.execute(f'drop database if exists "{name}" with (force)')
