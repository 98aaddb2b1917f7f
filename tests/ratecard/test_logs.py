"""ratecard/logs.py: the CLI's and the worker's log lines, text or JSON."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = (
    "import logging; from ratecard import logs; logs.configure('info', '{fmt}');"
    " logging.getLogger('ratecard.worker').warning('pass %s done', 3)"
)


def run(fmt: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(fmt=fmt)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return out.stderr.strip()


def test_json_lines() -> None:
    line = json.loads(run("json"))
    assert line["message"] == "pass 3 done"
    assert (line["level"], line["logger"], line["request_id"]) == (
        "WARNING",
        "ratecard.worker",
        "-",
    )


def test_text_lines() -> None:
    assert run("text").endswith("WARNING ratecard.worker: pass 3 done")
