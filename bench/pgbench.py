"""Run one pgbench script against the bench server and return its TPS."""

from __future__ import annotations

import re
from pathlib import Path

from bench.server import SUPERUSER, BenchServer, run

_TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)
_FAILED = re.compile(r"^number of failed transactions: (\d+)", re.MULTILINE)


def pgbench(
    server: BenchServer,
    name: str,
    script: str,
    *,
    dbname: str,
    clients: int,
    seconds: int | None = None,
    transactions: int | None = None,
    role: str | None = None,
    options: str = "",
) -> float:
    """`pgbench -n -M prepared -c C -j 2` for `seconds` (or `transactions` per client).

    With `role`, each connection acts as that role (as an application login would);
    `options` adds settings for every connection (PGOPTIONS syntax, e.g.
    `-c synchronous_commit=off`).
    Raises if pgbench fails or any transaction failed.
    """
    path = server.workdir / f"{name}.sql"
    path.write_text(script)
    length = ["-T", str(seconds)] if seconds is not None else ["-t", str(transactions)]
    out = run(
        [
            str(Path(server.pgbin) / "pgbench"),
            *("-n", "-M", "prepared", "-c", str(clients), "-j", "2", *length),
            *("-f", str(path)),
            *("-h", str(server.cluster.sockdir), "-p", str(server.cluster.port)),
            *("-U", SUPERUSER, dbname),
        ],
        env={"PGOPTIONS": " ".join(x for x in (f"-c role={role}" if role else "", options) if x)},
    )
    tps, failed = _TPS.search(out), _FAILED.search(out)
    if tps is None or failed is None:
        raise RuntimeError(f"unexpected pgbench output for {name}:\n{out}")
    if int(failed.group(1)):
        raise RuntimeError(f"pgbench {name}: {failed.group(1)} transactions failed:\n{out}")
    return float(tps.group(1))
