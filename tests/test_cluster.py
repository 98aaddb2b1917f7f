"""The embedded cluster, driven through the CLI exactly as a user would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ratecard.cluster import Cluster
from tests.test_cli import run


def _env(home: Path, port: int) -> dict[str, str]:
    return {"RATECARD_HOME": str(home), "RATECARD_PG_PORT": str(port)}


def test_start_migrate_url_psql_stop(tmp_path: Path) -> None:
    env = _env(tmp_path / "state", 55441)
    try:
        r = run("db", "start", env=env)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("started: postgresql://")
        assert run("db", "start", env=env).stdout.startswith("already running")
        for _ in range(2):
            r = run("db", "migrate", env=env)
            assert r.returncode == 0, r.stderr
        assert "none pending" in r.stdout
        assert "note:" not in r.stdout, "pg_cron must be active in the embedded cluster"
        url = run("db", "url", env=env).stdout.strip()
        q = subprocess.run(
            [
                "psql",
                url,
                "-XAtc",
                "select (select count(*) from cron.job where jobname like 'ratecard.%')"
                " = (select count(*) from api.jobs where schedule is not null)"
                " and exists (select from cron.job); show data_checksums",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert q.returncode == 0, q.stderr
        assert q.stdout.split() == ["t", "on"]  # every schedule installed in pg_cron
        status = run("db", "status", env=env)
        assert status.returncode == 0
        assert "schema version:   0" in status.stdout
    finally:
        r = run("db", "stop", env=env)
    assert r.stdout.strip() == "stopped"
    assert run("db", "status", env=env).returncode == 3


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a folder postgres can't enter")
def test_root_only_checkout_relocates_cluster(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    home = private / "checkout" / ".ratecard"
    cluster = Cluster(home=home, port=55442, bindir=Path("/usr/lib/postgresql/15/bin"))
    try:
        cluster.start()
        assert cluster.root != home
        assert str(cluster.root).startswith("/var/lib/ratecard/clusters/")
        assert (home / "cluster-root").read_text().strip() == str(cluster.root)
        assert cluster.running()
        relocated = cluster.root
    finally:
        cluster.destroy()
    assert not relocated.exists()
    assert not (home / "cluster-root").exists()
