"""The embedded PostgreSQL cluster: a private server for one checkout (or one test run).

The server listens only on a unix socket in a directory of its own, so it never clashes with
another PostgreSQL on the machine; the port number only names the socket. PostgreSQL refuses
to run as root, so when we are root the server runs as an unprivileged OS user (`postgres`,
created by Debian's package). That user must be able to reach the data directory; when the
checkout lives under a folder only root may enter, the cluster moves to
/var/lib/ratecard/clusters/<hash of the checkout path> instead.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from ratecard.config import EMBEDDED_DBNAME, EMBEDDED_SUPERUSER, Settings
from ratecard.errors import RatecardError

RELOCATED_ROOT = Path("/var/lib/ratecard/clusters")
SHARED_BUFFERS_ENV = "RATECARD_PG_SHARED_BUFFERS"


def shared_buffers() -> str:
    """shared_buffers of the embedded cluster: RATECARD_PG_SHARED_BUFFERS if set (any
    PostgreSQL size, e.g. 2GB), else a quarter of the machine's memory between 128MB and
    8GB. PostgreSQL's own default (128MB) holds the entitlement and meter rows of only a
    few tens of thousands of tenants; past that every check reads from the kernel's page
    cache (measured in bench/RESULTS.md, "Scale")."""
    configured = os.environ.get(SHARED_BUFFERS_ENV, "").strip()
    if configured:
        return configured
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return "128MB"
    mb = min(max(total // 4 // 1_048_576, 128), 8192)
    return f"{mb}MB"


# A unix socket path may hold at most 107 bytes; keep a margin for ".s.PGSQL.NNNNN".
MAX_SOCKET_DIR = 90


@dataclass
class Cluster:
    """One PostgreSQL data directory and the server that runs on it."""

    home: Path
    port: int
    bindir: Path
    os_user: str = "postgres"
    dbname: str = EMBEDDED_DBNAME
    # Extra postgresql.conf settings (tests turn fsync off, for example).
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def embedded(cls, s: Settings) -> Cluster:
        return cls(
            home=s.home,
            port=s.pg_port,
            bindir=s.pg_bindir,
            os_user=s.pg_os_user,
            settings={"shared_buffers": shared_buffers()},
        )

    # -- who runs the server, and where its files are ----------------------------------------

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _server_account(self) -> pwd.struct_passwd | None:
        """The OS account the server runs as, or None for the current user."""
        if not self._as_root:
            return None
        try:
            return pwd.getpwnam(self.os_user)
        except KeyError:
            raise RatecardError(
                f"the OS user '{self.os_user}' that runs PostgreSQL does not exist",
                "run ./dev bootstrap to install postgresql-15, or set RATECARD_PG_OS_USER",
            ) from None

    def _run(
        self, args: list[str], check: bool = True, new_session: bool = False
    ) -> subprocess.CompletedProcess[str]:
        acct = self._server_account()
        kwargs: dict = {}
        if acct is not None:
            kwargs = {"user": acct.pw_uid, "group": acct.pw_gid, "extra_groups": []}
        env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
        if acct is not None:
            env["HOME"] = acct.pw_dir
        proc = subprocess.run(
            args,
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            # The server must not share our process group: a Ctrl-C meant for `ratecard up`
            # would otherwise reach the postmaster too, before we stop it in order.
            start_new_session=new_session,
            **kwargs,
        )
        if check and proc.returncode != 0:
            raise RatecardError(
                f"{Path(args[0]).name} failed: {(proc.stderr or proc.stdout).strip()[-400:]}",
                f"see {self.logfile}",
            )
        return proc

    def _give(self, path: Path, mode: int = 0o700) -> None:
        """Make `path` a directory the server account owns."""
        path.mkdir(parents=True, exist_ok=True)
        acct = self._server_account()
        if acct is not None:
            os.chown(path, acct.pw_uid, acct.pw_gid)
        path.chmod(mode)

    def _reachable_by_server(self, path: Path) -> bool:
        acct = self._server_account()
        if acct is None:
            return os.access(path, os.W_OK | os.X_OK)
        probe = subprocess.run(
            ["test", "-w", str(path), "-a", "-x", str(path)],
            user=acct.pw_uid,
            group=acct.pw_gid,
            extra_groups=[],
            cwd="/",
            check=False,
        )
        return probe.returncode == 0

    @property
    def root(self) -> Path:
        """Where the cluster's files live: `home`, or a relocated folder (see module doc)."""
        marker = self.home / "cluster-root"
        if marker.exists():
            return Path(marker.read_text().strip())
        return self.home

    def _choose_root(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        marker = self.home / "cluster-root"
        if marker.exists():
            return Path(marker.read_text().strip())
        self._give(self.home, 0o755)
        if self._reachable_by_server(self.home):
            return self.home
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:16]
        relocated = RELOCATED_ROOT / digest
        RELOCATED_ROOT.mkdir(parents=True, exist_ok=True)
        self._give(relocated, 0o755)
        marker.write_text(f"{relocated}\n")
        return relocated

    @property
    def datadir(self) -> Path:
        return self.root / "pgdata"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    @property
    def sockdir(self) -> Path:
        candidate = self.root / "run"
        if len(str(candidate)) <= MAX_SOCKET_DIR:
            return candidate
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:16]
        return Path("/tmp") / f"ratecard-{digest}"  # noqa: S108 - private 0700 socket dir

    # -- life cycle ---------------------------------------------------------------------------

    def _bin(self, name: str) -> str:
        path = self.bindir / name
        if not path.exists():
            raise RatecardError(
                f"PostgreSQL 15 is not installed ({path} is missing)",
                "run ./dev bootstrap, or set RATECARD_PG_BINDIR",
            )
        return str(path)

    @property
    def initialized(self) -> bool:
        return (self.datadir / "PG_VERSION").exists()

    def init(self) -> bool:
        """Create the data directory if there is none. Returns True if it was created."""
        self._choose_root()
        if self.initialized:
            return False
        initdb = self._bin("initdb")
        self._give(self.datadir)
        self._run(
            [
                initdb,
                "-D",
                str(self.datadir),
                "-U",
                EMBEDDED_SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C",
                "--data-checksums",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-instructions",
            ]
        )
        conf = self.datadir / "postgresql.conf"
        with conf.open("a") as f:
            f.write("\n# Ratecard settings, rewritten at every start\ninclude = 'ratecard.conf'\n")
        return True

    def _write_config(self) -> None:
        base = {
            "listen_addresses": "''",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.sockdir}'",
            "unix_socket_permissions": "0700",
            "shared_preload_libraries": "'pg_cron,pg_stat_statements'",
            "cron.database_name": f"'{self.dbname}'",
            "cron.use_background_workers": "on",
            "max_worker_processes": "24",
            "max_connections": "200",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "log_min_messages": "warning",
            "log_line_prefix": "'%m [%p] %q%u@%d '",
        }
        base.update(self.settings)
        text = "".join(f"{k} = {v}\n" for k, v in base.items())
        target = self.datadir / "ratecard.conf"
        target.write_text("# Written by ratecard at start; edits are overwritten.\n" + text)
        acct = self._server_account()
        if acct is not None:
            os.chown(target, acct.pw_uid, acct.pw_gid)

    def running(self) -> bool:
        if not self.initialized:
            return False
        proc = self._run([self._bin("pg_ctl"), "-D", str(self.datadir), "status"], check=False)
        return proc.returncode == 0

    def start(self) -> bool:
        """Start the server (initialising it first if needed). Returns True if it started."""
        if not (self.bindir / "postgres").exists():
            self._bin("postgres")
        extdir = self.bindir.parent.parent.parent.parent / "share/postgresql/15/extension"
        if not (extdir / "pg_cron.control").exists():
            raise RatecardError(
                "pg_cron is not installed for PostgreSQL 15",
                "run ./dev bootstrap (installs postgresql-15-cron)",
            )
        self.init()
        if self.running():
            return False
        self._give(self.sockdir)
        self._write_config()
        self.logfile.touch()
        acct = self._server_account()
        if acct is not None:
            os.chown(self.logfile, acct.pw_uid, acct.pw_gid)
        proc = self._run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.logfile),
                "-w",
                "-t",
                "60",
                "-s",
                "start",
            ],
            check=False,
            new_session=True,
        )
        if proc.returncode != 0:
            raise RatecardError(
                f"PostgreSQL did not start: {self._log_reason()}", f"see {self.logfile}"
            )
        self._ensure_database()
        return True

    def _log_reason(self) -> str:
        try:
            lines = self.logfile.read_text(errors="replace").splitlines()[-30:]
        except OSError:
            return "no log"
        for line in reversed(lines):
            if "FATAL" in line or "could not" in line or "ERROR" in line:
                return line.split(" ", 4)[-1].strip()
        return lines[-1].strip() if lines else "no log"

    def stop(self) -> bool:
        """Stop the server if it runs. Returns True if it was running."""
        if not self.running():
            return False
        self._run([self._bin("pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"])
        return True

    def destroy(self) -> None:
        """Stop the server and delete every file of the cluster."""
        self.stop()
        root = self.root
        for path in (self.sockdir, root / "pgdata", root / "postgres.log"):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink()
        if root != self.home:  # relocated: the folder and the marker pointing to it go too
            shutil.rmtree(root, ignore_errors=True)
            (self.home / "cluster-root").unlink(missing_ok=True)

    def _ensure_database(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
                    exists = conn.execute(
                        "select 1 from pg_database where datname = %s", (self.dbname,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f'create database "{self.dbname}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # -- how to connect -----------------------------------------------------------------------

    def conninfo(self, dbname: str | None = None, user: str = EMBEDDED_SUPERUSER) -> str:
        return make_conninfo(
            host=str(self.sockdir), port=str(self.port), dbname=dbname or self.dbname, user=user
        )

    def url(self, dbname: str | None = None, user: str = EMBEDDED_SUPERUSER) -> str:
        return f"postgresql://{user}@/{dbname or self.dbname}?host={self.sockdir}&port={self.port}"
