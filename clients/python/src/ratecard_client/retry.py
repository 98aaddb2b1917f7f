"""When and how long the HTTP clients wait before trying a request again.

A request is tried again after a network error, a timeout, a 5xx or a 429 answer, with
exponential backoff and jitter, up to `attempts` tries in all. A 429 or 503 that says
`Retry-After` is honoured when it is at most `max_retry_after` seconds; a longer one is
raised at once (as RateLimited / RatecardUnavailable) rather than holding the caller.

Only requests that are safe to repeat are repeated once they may have reached the server:
reads, `consume` with its idempotency key (a repeat is a replay; without one, with
`idempotent=False`, it is not repeated), usage batches (every event
has a key) and storage tracking (tracking a key again replaces its size). Creating a
tenant is repeated only when the request surely never left (the connection failed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Retry:
    attempts: int = 3
    """Tries in all, the first included (1 = never retry)."""
    backoff: float = 0.1
    """The wait before the second try, in seconds; it doubles for every further try."""
    max_backoff: float = 2.0
    """The longest computed wait, in seconds."""
    max_retry_after: float = 10.0
    """The longest Retry-After the client will wait for; longer ones are raised."""

    def delay(self, attempt: int, retry_after: float | None = None) -> float | None:
        """Seconds to wait after failed try number `attempt` (1-based), or None to stop."""
        if attempt >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        # "Equal jitter": at least half the step, so clients that failed together spread
        # out without any of them retrying at once.
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - not security


NO_RETRY = Retry(attempts=1)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by Ratecard)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0)
