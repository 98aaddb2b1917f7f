"""`ratecard up`: the whole system in the foreground; Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

from ratecard.cluster import Cluster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _alive(pid: int) -> bool:
    """Running, that is: a zombie (exited, not yet reaped by init) counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _processes_mentioning(*needles: str) -> list[str]:
    """Command lines of live processes that contain any of the needles (no procps needed)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if _alive(int(proc.name)) and any(n in cmd for n in needles) and "pytest" not in cmd:
            found.append(cmd)
    return found


def test_up_serves_ready_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    home = tmp_path / "state"
    port = _free_port()
    env = {**os.environ, "RATECARD_HOME": str(home), "RATECARD_PG_PORT": "55443"}
    for name in ("RATECARD_S3_BUCKET", "RATECARD_S3_ENDPOINT_URL"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ratecard.cli", "up", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    cluster = Cluster(home=home, port=55443, bindir=Path("/usr/lib/postgresql/15/bin"))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _status(f"http://127.0.0.1:{port}/readyz") != 200:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.3)
        assert _status(f"http://127.0.0.1:{port}/readyz") == 200
        # pg_cron runs in the embedded database: migrate installed every schedule there
        with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
            cron = dict(conn.execute("select jobname, schedule from cron.job").fetchall())
            jobs = dict(
                conn.execute(
                    "select 'ratecard.' || name, schedule from api.jobs where schedule is not null"
                ).fetchall()
            )
            by = {  # jobs without a schedule (queued by others) have no scheduler
                r[0]
                for r in conn.execute(
                    "select scheduled_by from api.jobs where schedule is not null"
                )
            }
        assert cron == jobs and "ratecard.expire_trials" in cron
        assert by == {"pg_cron"}
        pid_file = cluster.datadir / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "database stopped" in out
        assert "seed: demo catalog loaded" in out
        if not os.environ.get("RATECARD_ENV") and not os.environ.get("RATECARD_SMTP_URL"):
            # local defaults: development mode, emails written to files
            mail = home.resolve() / "mail"
            assert f"notifications: RATECARD_ENV=development; emails written to {mail}" in out
        # S3 on local defaults: a moto server with the bucket, stopped with the rest
        s3 = re.search(r"object storage: local S3 \(moto\) at http://127\.0\.0\.1:(\d+)", out)
        assert s3, out
        # this run's moto server (other checkouts on the machine may run their own)
        assert _processes_mentioning(f"moto.server -H 127.0.0.1 -p {s3.group(1)} ") == []
        assert _status(f"http://127.0.0.1:{port}/healthz") == 0  # nothing listens
        assert not pid_file.exists()
        assert not _alive(postmaster)
        leftovers = subprocess.run(
            ["pgrep", "-f", f"ratecard.cli (serve|worker).*{port}|{cluster.datadir}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        assert leftovers == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        cluster.destroy()
