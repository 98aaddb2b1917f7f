"""The OpenAPI document tells the truth: schemathesis generates requests from
/schema/openapi.json for every operation and checks each answer against it.

It fails on any 5xx (except 503 payment_system_not_configured: Stripe is not configured
here, so the routes that call it answer that; S3 is, on a local moto server, so uploads are
signed and /webhooks/s3 gets its secret), on an answer whose status the operation
does not document, whose content type is not the documented one, or whose body does not
match the documented schema. It is generic over the document: a new route is fuzzed as
soon as it is in the app. Keys: service routes get the service key, admin routes
(/v1/admin) the admin key, tenant routes (/v1/me, /v1/billing) a tenant key, any other
route each of the three in turn. Path and body values that name a tenant, a feature or a
plan are often replaced by real ones from the demo catalog, so requests reach past the
404s into the SQL functions.

Deterministic (derandomized Hypothesis, no example database) and bounded: EXAMPLES
positive and EXAMPLES negative (schema-violating) examples per operation and key.
Declaring statuses is described in api/openapi.py.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from ratecard.config import Settings
from ratecard.stripe_gateway import StripeSettings
from tests.api.conftest import Demo
from tests.s3 import S3Server, settings_for

EXAMPLES = 30
ALLOWED_5XX = {(503, "payment_system_not_configured")}


class ServerError(AssertionError):
    pass


def no_server_error(ctx: Any, response: Any, case: Any) -> bool:
    """Any 5xx fails, except the documented 503 of an unconfigured payment system."""
    if response.status_code >= 500:
        try:
            code = response.json().get("code")
        except ValueError:
            code = None
        if (response.status_code, code) not in ALLOWED_5XX:
            raise ServerError(f"{response.status_code} {code}: {response.text[:500]}")
    return True


CHECKS = [no_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


S3_SECRET = "fuzz-s3-secret"


@pytest.fixture
def client(settings: Settings, stripe_settings: StripeSettings, s3: S3Server) -> Any:
    """The app with object storage configured (a bucket on moto; signing calls no one)."""
    app = create_app(
        settings, stripe_settings=stripe_settings, s3_settings=settings_for(s3, S3_SECRET)
    )
    with TestClient(app=app, raise_server_exceptions=False) as c:
        yield c


def keys_for(path: str, demo: Demo) -> list[dict[str, str]]:
    if path == "/webhooks/s3":
        return [{"Authorization": f"Bearer {S3_SECRET}"}]
    if path.startswith("/v1/admin"):
        return [demo.admin]
    if path.startswith(("/v1/me", "/v1/billing")):
        return [demo.tenant]
    if path.startswith(("/v1/tenants", "/v1/check", "/v1/consume", "/v1/usage")):
        return [demo.service]
    return [demo.service, demo.admin, demo.tenant]


REAL: dict[str, list[Any]] = {}
SENT = {"requests": 0}


def realistic(value: Any, draw: Any) -> Any:
    """Often swap generated ids and codes for real ones, recursively in bodies."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in REAL and draw(st.booleans()):
                out[k] = draw(st.sampled_from(REAL[k]))
            else:
                out[k] = realistic(v, draw)
        return out
    if isinstance(value, list):
        return [realistic(v, draw) for v in value]
    return value


def test_every_operation_answers_as_documented(client: TestClient, demo: Demo) -> None:
    document = client.get("/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    REAL.update(
        tenant_id=[str(demo.acme), str(demo.globex)],
        feature=["ai_decisions", "api_calls", "storage_bytes", "sso"],
        plan=["starter", "pro"],
        code=["ai_decisions", "pro"],
        addon=["extra_emails"],
    )
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 40
    failures: list[str] = []
    for operation in operations:
        for key in keys_for(operation.path, demo):
            for mode in (
                schemathesis.GenerationMode.POSITIVE,
                schemathesis.GenerationMode.NEGATIVE,
            ):
                try:
                    run(client, operation, key, mode)
                except hypothesis.errors.Unsatisfiable:
                    pass  # nothing to break in this operation (no parameters, no body)
                except (Exception, BaseExceptionGroup) as exc:  # collect all, report together
                    failures.append(
                        f"{operation.method.upper()} {operation.path} [{mode.value}]: {exc}"
                    )
    assert not failures, "\n\n".join(failures)
    assert SENT["requests"] > 20 * len(operations)  # it did fuzz (a test that can fail)


def run(client: TestClient, operation: Any, key: dict[str, str], mode: Any) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        print_blob=False,
    )
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode))
        if case.path_parameters:
            case.path_parameters = realistic(case.path_parameters, data.draw)
        if isinstance(case.body, dict):
            case.body = realistic(case.body, data.draw)
        headers = {**(case.headers or {}), **key}
        kwargs: dict[str, Any] = {"headers": headers, "params": case.query or None}
        if not isinstance(case.body, schemathesis.core.NotSet):
            headers.setdefault("Content-Type", case.media_type or "application/json")
            if isinstance(case.body, bytes):
                kwargs["content"] = case.body
            else:
                kwargs["content"] = json.dumps(case.body)
        try:
            response = client.request(case.method, case.formatted_path, **kwargs)
        except (UnicodeEncodeError, ValueError):
            # the test client cannot send it (a header that is not latin-1, ...)
            hypothesis.reject()
        SENT["requests"] += 1
        case.validate_response(response, checks=CHECKS)

    one()


@pytest.fixture(autouse=True)
def _quiet_http_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING")
