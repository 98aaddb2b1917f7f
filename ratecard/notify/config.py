"""Notification settings, read from the environment (docs/notifications.md, "Settings").

RATECARD_ENV          `development` is development mode: webhooks may go to http:// URLs on
                      loopback and to private addresses (a receiver on the developer's
                      machine). Anything else (the default, `production`) refuses both.
                      `ratecard up` (./dev up) runs in development mode unless told otherwise.
RATECARD_PUBLIC_URL   where people reach Ratecard's pages; emails link to
                      RATECARD_PUBLIC_URL + /billing (default http://127.0.0.1:8080).
RATECARD_SMTP_URL     smtp://[user:password@]host[:port] (plain, or STARTTLS when the server
                      offers it and ?starttls=require says it must), smtps://... (TLS from the
                      first byte, port 465). Unset: emails are written as .eml files to
                      RATECARD_MAIL_DIR (default <RATECARD_HOME>/mail) and logged, not sent.
RATECARD_MAIL_FROM    the sender, e.g. `Billing <billing@example.com>` (default
                      `Ratecard <ratecard@localhost>`); its domain ends every Message-ID.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ratecard.config import PROJECT_ROOT
from ratecard.errors import RatecardError

DEFAULT_FROM = "Ratecard <ratecard@localhost>"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # TLS from the first byte (smtps)
    starttls: str  # "auto": when offered; "require": fail without it; "never"
    username: str | None
    password: str | None


@dataclass(frozen=True)
class NotifySettings:
    development: bool = False
    public_url: str = "http://127.0.0.1:8080"
    smtp: SmtpServer | None = None
    mail_from: str = DEFAULT_FROM
    mail_dir: Path = PROJECT_ROOT / ".ratecard" / "mail"
    timeout: float = 15.0

    @property
    def billing_url(self) -> str:
        return self.public_url.rstrip("/") + "/billing"

    @property
    def mail_domain(self) -> str:
        address = parseaddr(self.mail_from)[1]
        return address.rpartition("@")[2] or "localhost"

    @classmethod
    def from_env(cls) -> NotifySettings:
        env = os.environ.get("RATECARD_ENV", "").strip().lower() or "production"
        public = os.environ.get("RATECARD_PUBLIC_URL", "").strip() or cls.public_url
        if not public.startswith(("http://", "https://")):
            raise RatecardError(f"RATECARD_PUBLIC_URL must be an http(s) URL, got {public!r}")
        mail_from = os.environ.get("RATECARD_MAIL_FROM", "").strip() or DEFAULT_FROM
        if "@" not in parseaddr(mail_from)[1]:
            raise RatecardError(f"RATECARD_MAIL_FROM is not an email address: {mail_from!r}")
        home = Path(os.environ.get("RATECARD_HOME", "").strip() or PROJECT_ROOT / ".ratecard")
        mail_dir = os.environ.get("RATECARD_MAIL_DIR", "").strip()
        return cls(
            development=env == "development",
            public_url=public,
            smtp=parse_smtp_url(os.environ.get("RATECARD_SMTP_URL", "").strip()),
            mail_from=mail_from,
            mail_dir=Path(mail_dir) if mail_dir else home / "mail",
        )


def parse_smtp_url(url: str) -> SmtpServer | None:
    """smtp://user:password@host:port?starttls=require|never, smtps://...; '' is None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise RatecardError(
            f"RATECARD_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://...,"
            f" got scheme {parts.scheme!r}"
        )
    starttls = parse_qs(parts.query).get("starttls", ["auto"])[0]
    if starttls not in ("auto", "require", "never"):
        raise RatecardError("RATECARD_SMTP_URL: starttls is auto, require or never")
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError:
        raise RatecardError("RATECARD_SMTP_URL has an invalid port") from None
    return SmtpServer(
        host=parts.hostname,
        port=port,
        tls=tls,
        starttls="never" if tls else starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
