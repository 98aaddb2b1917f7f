"""Standard Webhooks on the sending side (ratecard/notify/webhooks.py): signatures the
`standardwebhooks` package verifies (with either secret during a rotation), Retry-After,
and a real POST that is not redirected and reaches the checked address."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from standardwebhooks import Webhook

from ratecard.notify import webhooks
from tests.receivers import WebhookReceiver

OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def test_signatures_verify_with_each_secret_during_a_rotation() -> None:
    body = webhooks.body_of({"type": "threshold", "data": {"used": 8}})
    now = datetime.now(tz=UTC)
    signature = webhooks.sign([NEW, OLD], "msg_1", now, body)
    assert signature.count("v1,") == 2
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    for secret in (NEW, OLD):
        assert Webhook(secret).verify(body, headers) == {"type": "threshold", "data": {"used": 8}}


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert webhooks.retry_after_seconds("120") == 120
    assert webhooks.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412400) == 80
    assert webhooks.retry_after_seconds("soon") is None
    assert webhooks.retry_after_seconds(None) is None


def test_a_post_is_signed_and_a_redirect_is_not_followed() -> None:
    receiver = WebhookReceiver().start()
    try:
        receiver.answer = lambda h: (307, {"Location": "http://169.254.169.254/"})
        event = {"type": "threshold", "id": "ntf_1", "data": {"used": 8}}
        out = webhooks.send(receiver.url("/in"), [NEW], "msg_7", event, development=True)
        assert out.status_code == 307 and out.error == "redirect not followed"
        assert len(receiver.hooks) == 1  # nothing else was requested
        hook = receiver.hooks[0]
        assert hook.headers["webhook-id"] == "msg_7"
        assert hook.headers["content-type"] == "application/json"
        assert hook.headers["host"] == receiver.url("").split("//")[1]
        assert Webhook(NEW).verify(hook.body, hook.headers) == event
        assert json.loads(hook.body) == event

        receiver.answer = lambda h: (503, {"Retry-After": "30"})
        out = webhooks.send(receiver.url(), [NEW], "msg_7", event, development=True)
        assert (out.status_code, out.retry_after) == (503, 30)
        out = webhooks.send(receiver.url(), [NEW], "msg_7", event, development=False)
        assert out.status_code is None and out.error.startswith("refused: ")
        assert len(receiver.hooks) == 2
    finally:
        receiver.stop()
