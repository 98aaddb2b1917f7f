"""The storage reconciliation over 10,000 objects, as a ratio to a bare list_objects_v2 walk
of the same bucket in the same run (docs/storage.md, bench/RESULTS.md).

    .venv/bin/python -m bench.storage [--objects 10000] [--tenants 100] [--repeat 3]

A fresh cluster in a temporary folder (fsync on), migrated from the working tree, with the
demo catalog and --tenants tenants on Pro; a local S3 server (moto in server mode, its own
process, on loopback) with one bucket holding --objects objects under the default key
layout, spread over the tenants, plus 1% of keys outside it. Measured, each with real boto3
over HTTP:

- baseline: the bare walk, list_objects_v2 pages of 1,000 counting keys (median of
  --repeat);
- first run: jobs.storage.reconcile with drift to fix: 90% of the objects tracked ahead
  (5% of those at a wrong size), 5% more tracked but absent from the bucket (once);
- steady run: the same reconciliation with nothing left to fix (median of --repeat).

Objects per second are listed objects over the elapsed time; the ratio is the
reconciliation's rate over the bare walk's (1.0: reconciling costs nothing beyond listing).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from bench.machine import commit, load_average
from bench.server import BenchServer
from jobs import storage
from ratecard.cluster import Cluster
from ratecard.config import Settings
from ratecard.migrate import migrate
from ratecard.s3_gateway import S3Settings
from ratecard.seed import seed_demo

PORT = 55474
BUCKET = "ratecard-bench"
CREDENTIALS = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **CREDENTIALS)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            return proc, url
        except Exception:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)


def bare_walk(client: Any) -> int:
    n = 0
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, PaginationConfig={"PageSize": 1000}
    ):
        n += len(page.get("Contents", ()))
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__)
    p.add_argument("--objects", type=int, default=10_000)
    p.add_argument("--tenants", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    settings = Settings.from_env()
    workdir = Path(tempfile.mkdtemp(prefix="ratecard-bench-storage-"))
    cluster = Cluster(
        home=workdir,
        port=PORT,
        bindir=settings.pg_bindir,
        os_user=settings.pg_os_user,
        dbname="ratecard",
        settings={"fsync": "on", "synchronous_commit": "on", "log_min_messages": "warning"},
    )
    server = BenchServer(cluster, workdir)
    moto, url = start_moto()
    rnd = random.Random(13)
    try:
        cluster.start()
        migrate(server.conninfo())
        seed_demo(server.conninfo())
        client = boto3.client("s3", endpoint_url=url, region_name="us-east-1", **CREDENTIALS)
        with server.connect() as conn:
            tenants = [
                r[0]
                for r in conn.execute(
                    "select api.create_tenant('Bench ' || n, null, 'pro')"
                    " from generate_series(1, %s) n",
                    (args.tenants,),
                ).fetchall()
            ]
            cats = ["upload", "attachment", "export", "profile_image", "backup"]
            objects = [
                (f"tenants/{tenants[i % len(tenants)]}/{cats[i % 5]}/{i:06d}.bin",
                 rnd.randint(100, 2000))
                for i in range(args.objects)
            ]  # fmt: skip
            stray = [(f"misc/{i:05d}.txt", 10) for i in range(args.objects // 100)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                list(
                    pool.map(
                        lambda o: client.put_object(Bucket=BUCKET, Key=o[0], Body=b"x" * o[1]),
                        objects + stray,
                    )
                )
            t1 = time.perf_counter()
            # drift: 90% tracked ahead (5% of them at a wrong size), 5% more tracked but gone
            tracked = objects[: int(len(objects) * 0.9)]
            gone = [
                (f"tenants/{tenants[i % len(tenants)]}/upload/gone-{i:06d}.bin", 500)
                for i in range(int(len(objects) * 0.05))
            ]
            rows = [
                (k.split("/")[1], k, s + (7 if i % 20 == 0 else 0), k.split("/")[2])
                for i, (k, s) in enumerate(tracked + gone)
            ]
            with conn.cursor() as cur:
                cur.executemany(
                    "select api.track_object(%s::uuid, %s, %s, %s)", rows, returning=False
                )
            conn.execute("vacuum analyze")
            t2 = time.perf_counter()
            print(
                f"put {len(objects) + len(stray):,} objects in {t1 - t0:.1f} s; tracked"
                f" {len(rows):,} ahead in {t2 - t1:.1f} s",
                flush=True,
            )
            s3 = S3Settings(bucket=BUCKET, endpoint_url=url)
            # boto3's standard chain, as the worker has it
            os.environ.update(
                {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                 "AWS_DEFAULT_REGION": "us-east-1"}
            )  # fmt: skip
            bare_walk(client)  # warm-up
            base = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                listed = bare_walk(client)
                base.append(time.perf_counter() - start)
            start = time.perf_counter()
            first = storage.reconcile(conn, s3)
            first_s = time.perf_counter() - start
            steady = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run = storage.reconcile(conn, s3)
                steady.append(time.perf_counter() - start)
                assert run["added"] == run["removed"] == run["corrected"] == 0, run
        b, s = statistics.median(base), statistics.median(steady)
        lines = [
            f"commit {commit()}; load average at start {load_average()}",
            f"listed {listed:,} objects ({len(stray):,} outside the layout) in"
            f" {first['pages']} pages",
            "",
            "| measurement | seconds | objects/s | ratio to the bare walk |",
            "|---|---:|---:|---:|",
            f"| bare list_objects_v2 walk (median of {args.repeat}) | {b:.2f} |"
            f" {listed / b:,.0f} | 1.00 |",
            f"| reconciliation, first run (added {first['added']:,}, removed"
            f" {first['removed']:,}, corrected {first['corrected']:,}) | {first_s:.2f} |"
            f" {listed / first_s:,.0f} | {b / first_s:.2f} |",
            f"| reconciliation, nothing to fix (median of {args.repeat}) | {s:.2f} |"
            f" {listed / s:,.0f} | {b / s:.2f} |",
        ]
        print("\n".join(lines), flush=True)
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
