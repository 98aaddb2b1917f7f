"""Chromium for the browser tests and ./dev screenshots: Debian's `chromium` package driven
by Playwright (Playwright's own browser download cannot be reached here). One browser is
launched with a fresh temporary profile; tests open a new context (cookies, storage) each."""

from __future__ import annotations

import shutil

from playwright.sync_api import Browser, Playwright

ARGS = [
    "--no-sandbox",  # we run as root
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def executable() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError(
            "Debian's chromium package is missing: run ./dev bootstrap (it installs it)"
        )
    return path


def launch(playwright: Playwright) -> Browser:
    """Playwright gives each launch a new temporary user-data directory."""
    return playwright.chromium.launch(executable_path=executable(), args=ARGS, headless=True)
