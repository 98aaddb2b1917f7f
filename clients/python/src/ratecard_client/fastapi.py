"""FastAPI helpers: gate single routes with dependencies.

    from ratecard_client.fastapi import consume, install, rate_limit, require_feature

    app = FastAPI()
    install(app, AsyncRatecardClient(), tenant=lambda request: request.headers.get("x-tenant-id"),
            upgrade_url="https://app.example/billing?feature={feature}")

    @app.get("/sso/config", dependencies=[Depends(require_feature("sso"))])
    async def sso_config(): ...

    @app.post("/ai/decide")
    async def decide(c: Consumption = Depends(consume("ai_decisions"))): ...

`install` keeps a Gate (gate.py) on `app.state.ratecard` and registers the handler that
turns a refusal into the same JSON answers and headers as QuotaMiddleware. The tenant id
comes from `install(tenant=...)`, a function of the Request (sync or async), or, per
helper, from a FastAPI dependency: `require_feature("sso", tenant=current_tenant)`, where
`current_tenant` may itself depend on your authentication. A None tenant is refused with
401 `tenant_required` (a dependency applies only to the routes that ask for it, so a
route that should not be gated should not ask).

Needs FastAPI (`pip install ratecard-client[fastapi]`); importing this module is the only
thing that does.
"""

# No `from __future__ import annotations` here: FastAPI reads the dependencies' annotations,
# which name a local (the tenant dependency chosen per helper).
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ratecard_client.gate import Denial, Gate, Outcome, UpgradeUrl, resolve
from ratecard_client.types import Consumption


class QuotaDenied(Exception):
    """Raised by the dependencies; answered by the handler `install` registers."""

    def __init__(self, denial: Denial) -> None:
        super().__init__(denial.body.get("code"))
        self.denial = denial


async def _answer(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, QuotaDenied)
    d = exc.denial
    return JSONResponse(d.body, status_code=d.status, headers=dict(d.headers))


def install(
    app: FastAPI,
    client: Any = None,
    *,
    tenant: Callable[[Request], Any] | None = None,
    upgrade_url: UpgradeUrl = None,
    fail_open: bool = False,
    cache_ttl: float = 0.0,
    gate: Gate | None = None,
) -> Gate:
    """Make `app`'s routes gateable with require_feature / consume / rate_limit."""
    if gate is None:
        if client is None:
            raise TypeError("install needs a client (or a gate)")
        gate = Gate(client, upgrade_url=upgrade_url, fail_open=fail_open, cache_ttl=cache_ttl)
    app.state.ratecard = gate
    app.state.ratecard_tenant = tenant
    app.add_exception_handler(QuotaDenied, _answer)
    return gate


def _gate(request: Request) -> Gate:
    gate = getattr(request.app.state, "ratecard", None)
    if gate is None:
        raise RuntimeError("call ratecard_client.fastapi.install(app, client, ...) first")
    return gate


async def _installed_tenant(request: Request) -> Any:
    resolver = getattr(request.app.state, "ratecard_tenant", None)
    if resolver is None:
        raise RuntimeError("give install(app, ..., tenant=...) or the helper's tenant=...")
    return await resolve(resolver(request))


def _check(outcome: Outcome, response: Response) -> Outcome:
    if outcome.denial is not None:
        raise QuotaDenied(outcome.denial)
    for name, value in outcome.headers:
        response.headers[name] = value
    return outcome


def _require_tenant(tenant_id: Any) -> Any:
    if tenant_id is None:
        raise QuotaDenied(
            Denial(
                401,
                {"code": "tenant_required", "message": "this route needs a known tenant"},
            )
        )
    return tenant_id


def require_feature(
    feature: str, *, tenant: Callable[..., Any] | None = None, fail_open: bool | None = None
) -> Callable[..., Any]:
    """A dependency: the tenant's plan must have `feature` on (403 feature_not_in_plan)."""
    source = tenant or _installed_tenant

    async def dependency(
        request: Request, response: Response, tenant_id: Annotated[Any, Depends(source)]
    ) -> None:
        outcome = await _gate(request).require_feature(
            _require_tenant(tenant_id), feature, fail_open=fail_open
        )
        _check(outcome, response)

    return dependency


def consume(
    feature: str,
    amount: int = 1,
    *,
    tenant: Callable[..., Any] | None = None,
    fail_open: bool | None = None,
) -> Callable[..., Any]:
    """A dependency that counts `amount` of `feature` for the request (403
    quota_exceeded when used up) and gives the route the Consumption (None when the gate
    failed open)."""
    source = tenant or _installed_tenant

    async def dependency(
        request: Request, response: Response, tenant_id: Annotated[Any, Depends(source)]
    ) -> Consumption | None:
        outcome = await _gate(request).consume(
            _require_tenant(tenant_id), feature, amount, fail_open=fail_open
        )
        return _check(outcome, response).consumption

    return dependency


def rate_limit(
    feature: str,
    amount: int = 1,
    *,
    tenant: Callable[..., Any] | None = None,
    fail_open: bool | None = None,
) -> Callable[..., Any]:
    """A dependency that counts the request against a rate-limit feature (429 with
    Retry-After when the window is used up; RateLimit-* headers on allowed answers)."""
    source = tenant or _installed_tenant

    async def dependency(
        request: Request, response: Response, tenant_id: Annotated[Any, Depends(source)]
    ) -> Consumption | None:
        outcome = await _gate(request).rate_limit(
            _require_tenant(tenant_id), feature, amount, fail_open=fail_open, idempotent=False
        )
        return _check(outcome, response).consumption

    return dependency
