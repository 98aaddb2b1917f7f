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


def test_the_stripe_clients_request_lines_only_at_debug() -> None:
    """stripe logs every request and answer at INFO (and an expected 404, such as
    sync-catalog looking a product up, as "Stripe v1 API error received"): chatter in the
    CLI's output and the worker's log, kept for RATECARD_LOG_LEVEL=debug."""
    script = (
        "import logging; from ratecard import logs; logs.configure('{level}', 'text');"
        " logging.getLogger('stripe').info('Request to Stripe api');"
        " logging.getLogger('stripe').warning('Stripe is slow')"
    )
    both = ["Request to Stripe api", "Stripe is slow"]
    for level, shown in (("info", ["Stripe is slow"]), ("debug", both)):
        out = subprocess.run(
            [sys.executable, "-c", script.format(level=level)],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stderr.strip()
        assert [line.split(": ", 1)[1] for line in out.splitlines()] == shown, out
