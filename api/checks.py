"""POST /v1/check: checks that arrive together are answered by one statement.

Most of what a quota check costs the API is its own round trip to PostgreSQL, not the
rule: on both sides of the socket, a message, SET ROLE, a parse and a plan, a commit
(bench/RESULTS.md). So, per database role, one check at a time goes to PostgreSQL on its
own (`api.check_quota`), as before; checks that arrive while it is out wait for it and
then go together, as one `api.check_quota_many` (at most MAX_BATCH per statement), and so
on while more arrive. A lone check is sent at once, as before, and a check never waits
for more than the statement ahead of it.

Each answer is exactly its own check's: `api.check_quota_many` calls `api.check_quota` for
every element. When one check of a batch fails (an unknown tenant, a bad amount) the
statement fails as a whole, so the batch's checks are asked again one by one and each
request gets its own answer or error. Checks change nothing, so asking again is safe.

ratecard_http_check_batch_size (GET /metrics) counts the checks each statement carried.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import psycopg
from litestar.datastructures import State

from api import queries
from api.db import fetch
from ratecard.sqlcall import Role, one

MAX_BATCH = 1000  # api.check_quota_many's own limit

Check = tuple[UUID, str, int]


class CheckBatcher:
    """Quota checks of one database role (service or admin keys)."""

    def __init__(self, state: State, role: Role, observe: Any = None) -> None:
        self.state = state  # the pool is read at each call (tests may wrap it)
        self.role: Role = role
        self.observe = observe or (lambda size: None)
        self.waiting: list[tuple[Check, asyncio.Future[bool]]] = []
        self.busy = False
        self.flusher: asyncio.Task[None] | None = None

    async def check(self, tenant_id: UUID, feature: str, amount: int) -> bool:
        if self.busy:
            future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            self.waiting.append(((tenant_id, feature, amount), future))
            return await future
        self.busy = True
        try:
            return await self._one((tenant_id, feature, amount))
        finally:
            if self.waiting:  # they go together, after this one
                self.flusher = asyncio.get_running_loop().create_task(self._flush())
            else:
                self.busy = False

    async def _one(self, check: Check) -> bool:
        self.observe(1)
        rows = await fetch(self.state.pool, queries.CHECK_QUOTA, check, role=self.role)
        return bool(one(rows, "check")["allowed"])

    async def _flush(self) -> None:
        try:
            while self.waiting:
                batch = self.waiting[:MAX_BATCH]
                del self.waiting[:MAX_BATCH]
                await self._send(batch)
        finally:
            self.busy = False
            self.flusher = None

    async def _send(self, batch: list[tuple[Check, asyncio.Future[bool]]]) -> None:
        if len(batch) == 1:
            check, future = batch[0]
            await self._settle(check, future)
            return
        self.observe(len(batch))
        try:
            rows = await fetch(
                self.state.pool,
                queries.CHECK_QUOTA_MANY,
                (
                    [c[0] for c, _ in batch],
                    [c[1] for c, _ in batch],
                    [c[2] for c, _ in batch],
                ),
                role=self.role,
            )
        except psycopg.Error:
            # One check failed the statement: each is asked again on its own.
            await asyncio.gather(*(self._settle(check, future) for check, future in batch))
            return
        except BaseException as exc:  # no answer for anyone (e.g. the pool timed out)
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        answers = {row["n"]: bool(row["allowed"]) for row in rows}
        for n, (_, future) in enumerate(batch, start=1):
            if not future.done():  # its request may have gone (a client hung up)
                future.set_result(answers[n])

    async def _settle(self, check: Check, future: asyncio.Future[bool]) -> None:
        try:
            answer = await self._one(check)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(answer)


class CheckBatchers:
    """One CheckBatcher per database role, made when first needed."""

    def __init__(self, state: State, observe: Any = None) -> None:
        self.state = state
        self.observe = observe
        self.by_role: dict[Role, CheckBatcher] = {}

    async def check(self, role: Role, tenant_id: UUID, feature: str, amount: int) -> bool:
        batcher = self.by_role.get(role)
        if batcher is None:
            batcher = self.by_role[role] = CheckBatcher(self.state, role, self.observe)
        return await batcher.check(tenant_id, feature, amount)
