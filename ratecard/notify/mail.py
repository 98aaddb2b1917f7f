"""Email: one message per delivery (one recipient), sent over SMTP with the standard
library's smtplib, or written to a folder when no SMTP server is configured.

The Message-ID comes from the delivery (`<delivery id@sender's domain>`), so an email sent
again after a crash between sending and recording carries the same Message-ID and a mail
client or a recipient's filter can tell it is the same message.

The answer is an SMTP reply code, which SQL judges (api.record_notification_attempt):
2xx accepted; 5xx permanent (the delivery fails); anything else, or no answer, retried.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from ratecard.notify.config import NotifySettings, SmtpServer
from ratecard.notify.render import Rendered

log = logging.getLogger("ratecard.notify")


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None = None


def message_id(delivery_id: str, domain: str) -> str:
    return f"<{delivery_id}@{domain}>"


def build(
    rendered: Rendered,
    *,
    to: str,
    sender: str,
    msg_id: str,
    notification: str,
    kind: str,
    billing_url: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(datetime.now(tz=UTC))
    msg["Message-ID"] = msg_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Ratecard-Notification"] = notification
    msg["X-Ratecard-Type"] = kind
    msg["List-Unsubscribe"] = f"<{billing_url}>"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


def send(settings: NotifySettings, msg: EmailMessage, *, file_name: str) -> Outcome:
    """Send (or, without an SMTP server, write) one message. Never raises for the server's
    or the network's faults: the Outcome says what happened."""
    if settings.smtp is None:
        return _write(settings.mail_dir, msg, file_name)
    return _smtp(settings.smtp, settings, msg)


def _write(folder: Path, msg: EmailMessage, file_name: str) -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{file_name}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(msg))
    os.replace(tmp, path)  # a retry writes the same file again
    log.info(
        "email not sent (RATECARD_SMTP_URL is not set): %s to %s written to %s",
        msg["Subject"],
        msg["To"],
        path,
    )
    return Outcome(250)


def _smtp(server: SmtpServer, settings: NotifySettings, msg: EmailMessage) -> Outcome:
    sender = parseaddr(settings.mail_from)[1]
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if server.tls:
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=settings.timeout)
        with smtp:
            smtp.ehlo()
            if not server.tls and server.starttls != "never":
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                    smtp.ehlo()
                elif server.starttls == "require":
                    return Outcome(None, "the SMTP server does not offer STARTTLS")
            if server.username:
                smtp.login(server.username, server.password or "")
            refused = smtp.send_message(msg, from_addr=sender, to_addrs=[parseaddr(msg["To"])[1]])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return Outcome(code, f"recipient refused: {code} {_text(text)}")
    except smtplib.SMTPResponseException as exc:
        return Outcome(exc.smtp_code, f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}")
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    if refused:
        code, text = next(iter(refused.values()))
        return Outcome(code, f"recipient refused: {code} {_text(text)}")
    return Outcome(250)


def _text(raw: bytes | str) -> str:
    return (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw))[:300]
