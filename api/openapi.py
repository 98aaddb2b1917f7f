"""The OpenAPI document (/schema/openapi.json) tells the truth about every route: each
status it can answer, with the one error body, and request bodies with their real
constraints and no unknown properties. tests/api/test_openapi_fuzz.py holds it to that
with schemathesis.

For route authors: declare the statuses your route's own work can cause with
`responses=errors(...)`, e.g. the SQLSTATEs its function raises (ratecard/error_codes.py
gives their HTTP statuses) and, for routes that call Stripe, STRIPE:

    @post("/things/{code:str}", dto=Strict[ThingBody], return_dto=None,
          responses=errors(404, 409, 422))

Everything a route answers because of what it is, `document_statuses` adds from the route
itself when the app is built, so you never list these:

    guarded (an API key)     400 duplicate_header, 401 unauthorized, 403 forbidden
    takes a body             400 malformed_json, 413, 415 unsupported_media_type,
                             422 invalid_request / invalid_argument (NUL)
    path or query parameters 422 invalid_argument (NUL), invalid_request (a bad value);
                             404 not_found where a path parameter is a UUID
    uses the database        503 database_unavailable (and query_canceled, ...)

Declare a body with `dto=Strict[YourStruct]` (api/validation.py): the Struct is its schema,
`forbid_unknown_fields=True` becomes `additionalProperties: false`, and constraints that
SQL enforces are shown with `documented(...)`. Answers are JSON objects or arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.handlers import HTTPRouteHandler
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition


class ErrorBody(msgspec.Struct, forbid_unknown_fields=True):
    """Every error answer (docs/error_codes.md)."""

    code: str
    message: str
    detail: Any | None = None
    hint: str | None = None


# What each status means on this API, and its codes (docs/error_codes.md has them all).
STATUS_TEXT: dict[int, str] = {
    400: "Bad request: malformed_json (not UTF-8 JSON, empty, or nested deeper than 64"
    " levels), duplicate_header, or a code of the route (no_active_subscription, ...)",
    401: "unauthorized: no key, not Bearer, malformed, unknown or revoked key (webhooks: a"
    " missing or wrong shared secret)",
    402: "card_declined (Stripe)",
    403: "forbidden: the key's role may not use this route; storage_limit_exceeded (an upload"
    " the storage limit does not allow)",
    404: "not_found (no such route, or a path id that is not a UUID), or the route's own:"
    " tenant_not_found, feature_not_found, tier_not_found, addon_not_found, ...",
    409: "A conflict with the current state: idempotency_key_reused, already_on_plan, ...",
    413: "payload_too_large",
    415: "unsupported_media_type: send Content-Type: application/json",
    422: "invalid_request (the body's shape), invalid_argument (NUL, a bad value),"
    " invalid_amount, invalid_name, numeric_out_of_range, ...",
    429: "rate_limited",
    502: "stripe_error: Stripe did not answer",
    503: "database_unavailable, query_canceled, serialization_failure (retry);"
    " payment_system_not_configured; storage_not_configured; not_ready",
}

# The statuses of a route that calls Stripe (api/stripe_calls.py).
STRIPE = (400, 402, 502, 503)


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a route: each status with the error body."""
    return {
        s: ResponseSpec(
            data_container=ErrorBody, description=STATUS_TEXT[s], generate_examples=False
        )
        for s in statuses
    }


def _statuses_of(handler: HTTPRouteHandler) -> set[int]:
    found: set[int] = set()
    params = handler.parsed_fn_signature.parameters
    paths = " ".join(handler.paths)
    if handler.resolve_guards():
        found |= {400, 401, 403, 503}
    if "data" in params or handler.opt.get("json_body") or handler.opt.get("ndjson_body"):
        found |= {400, 413, 415, 422}
    path_names = {p.split(":")[0] for p in paths.replace("}", "{").split("{")[1::2]}
    outside = set(params) - path_names - {"request", "state", "data", "principal", "socket"}
    if path_names or outside:
        found.add(422)
    if ":uuid}" in paths:
        found.add(404)
    if not handler.opt.get("no_database"):
        found.add(503)
    return found


def document_statuses(app: Litestar) -> None:
    """Give every route the statuses it answers by what it is (see the module doc), under
    those it declared itself. Run once, when the app is built, before the document is."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not handler.resolve_include_in_schema():
                continue
            handler.responses = {
                **errors(*sorted(_statuses_of(handler))),
                **(handler.responses or {}),
            }


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """A Struct that forbids unknown fields says so: `additionalProperties: false`."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if getattr(info, "forbid_unknown_fields", False):
            schema.additional_properties = False
        return schema
