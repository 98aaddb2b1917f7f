"""Standard Webhooks, sending side (https://www.standardwebhooks.com): one POST of the
event's JSON with the headers

    webhook-id         the delivery's id (msg_...), the same on every attempt
    webhook-timestamp  seconds since the epoch, when this attempt was signed
    webhook-signature  v1,<base64 HMAC-SHA256 of "id.timestamp.body"> per secret,
                       space-separated (two during the 24 hours after a rotation)

signed with the `standardwebhooks` package. The connection goes to the address urls.py
checked (the URL's host stays in the Host header and in TLS's SNI and certificate check),
redirects are never followed (a 3xx is a failed attempt), and every phase (connect, send,
each read) times out after `timeout` seconds (15). The answer's body is not read.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from ratecard import __version__
from ratecard.notify.urls import Target, UrlRefused, check_url

USER_AGENT = f"Ratecard-Webhooks/{__version__}"


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status, or none and an error; Retry-After in seconds."""

    status_code: int | None
    error: str | None = None
    retry_after: int | None = None


def webhook_id(delivery_id: str) -> str:
    """The webhook-id of a delivery: msg_ and its id without dashes (as in SQL's view)."""
    return "msg_" + str(delivery_id).replace("-", "")


def body_of(event: dict[str, Any]) -> str:
    """The exact bytes signed and sent: compact JSON, keys in a stable order."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def sign(secrets: list[str], msg_id: str, timestamp: datetime, body: str) -> str:
    return " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in secrets)


def retry_after_seconds(value: str | None, now: float | None = None) -> int | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int(when.timestamp() - (now if now is not None else time.time())))


def _pinned(target: Target) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL with the checked address in place of the host, the Host header, and the
    TLS server name (so the certificate is checked against the host, not the address)."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    host_header = host if target.port == default else f"{host}:{target.port}"
    pinned = httpx.URL(target.url).copy_with(host=str(target.addresses[0]))
    ext: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    return str(pinned), {"Host": host_header}, ext


def send(
    url: str,
    secrets: list[str],
    msg_id: str,
    event: dict[str, Any],
    *,
    development: bool,
    timeout: float = 15.0,
    client: httpx.Client | None = None,
) -> Outcome:
    """Check the URL, sign, POST once. Never raises for the network's or receiver's faults:
    the Outcome says what happened."""
    try:
        target = check_url(url, development=development)
    except UrlRefused as exc:
        return Outcome(None, f"refused: {exc}")
    body = body_of(event)
    now = datetime.now(tz=UTC)
    pinned, headers, ext = _pinned(target)
    headers |= {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": sign(secrets, msg_id, now, body),
    }
    own = client is None
    http = client or httpx.Client(follow_redirects=False, timeout=timeout)
    try:
        request = http.build_request(
            "POST", pinned, content=body.encode(), headers=headers, extensions=ext
        )
        response = http.send(request, stream=True, follow_redirects=False)
        response.close()  # the body is not read
    except httpx.TimeoutException as exc:
        return Outcome(None, f"timed out after {timeout:g} s ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        if own:
            http.close()
    status = response.status_code
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if 200 <= status < 300:
        return Outcome(status)
    if 300 <= status < 400:
        return Outcome(status, "redirect not followed", retry_after)
    return Outcome(status, f"HTTP {status}", retry_after)
