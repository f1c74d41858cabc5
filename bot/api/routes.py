"""/api/v1: the endpoints, each a use case in commands/ run in one transaction.

Order of checks: body size (413), token (401), rate limit (429), then the use case (400s
from its refusals). Any refusal rolls the transaction back, so nothing is written on error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anyio import CapacityLimiter, to_thread
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.fairlock import FairLock
from bot.api.openapi import document
from bot.api.ratelimit import RateLimited, RateLimiter
from commands import api_reads
from commands.api_tokens import Caller, Unauthenticated, authenticate
from commands.api_values import (
    FORBIDDEN,
    INVALID,
    MAX_BATCH,
    NOT_FOUND,
    ApiRefusal,
    Recorded,
    plain,
    record_batch,
    record_value,
)
from commands.context import CommandError, Context, Policy
from commands.results import ValueLogged
from storage import tokens as token_store
from storage.db import session_scope

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
MAX_BODY = 1_000_000  # 1,000 rows of a few hundred bytes each fit with room to spare
MAX_IDEMPOTENCY_KEY = 200
WORKERS = 8  # threads doing API database work, per process
STATUS = {FORBIDDEN: 403, NOT_FOUND: 404, INVALID: 422}


class Answer(Exception):
    """A finished answer, raised to leave the transaction (rolled back unless `keep`)."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def error(status: int, code: str, message: str, field: str | None = None, **extra: Any) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message, "field": field}, **extra})


@dataclass(frozen=True)
class Call:
    """The parts of a request a use case needs, read on the event loop."""

    method: str
    path: str
    token: str | None
    idempotency_key: str | None
    body: bytes
    path_params: dict[str, str]
    query: dict[str, str]


Operation = Callable[[Context, Caller, Call], tuple[int, dict[str, Any], list[ValueLogged]]]


class Api:
    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        clock: Callable[[], datetime],
        *,
        per_minute: int,
        on_logged: Callable[[list[ValueLogged]], None] | None = None,
    ) -> None:
        self.engine, self.policy, self.clock = engine, policy, clock
        self.limiter = RateLimiter(per_minute)
        self.on_logged = on_logged
        # SQLite has one writer at a time and makes the others poll with growing sleeps, which
        # shows as a long latency tail; queueing this process's writes on a lock is faster.
        # A few threads do the database work, in arrival order: dozens of threads fighting over
        # the GIL would starve the event loop that reads requests (a long tail under load).
        self._workers = CapacityLimiter(WORKERS)
        self._sqlite_writes = FairLock() if engine.dialect.name == "sqlite" else None

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}/values", self._endpoint(_post_value, write=True), methods=["POST"]),
            Route(
                f"{PREFIX}/values:batch", self._endpoint(_post_batch, write=True), methods=["POST"]
            ),
            Route(f"{PREFIX}/kpis", self._endpoint(_get_kpis), methods=["GET"]),
            Route(f"{PREFIX}/kpis/{{key}}", self._endpoint(_get_kpi), methods=["GET"]),
            Route(f"{PREFIX}/kpis/{{key}}/values", self._endpoint(_get_values), methods=["GET"]),
            Route(f"{PREFIX}/openapi.json", _openapi, methods=["GET"]),
        ]

    def _endpoint(self, operation: Operation, *, write: bool = False) -> Any:
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            body = await request.body()
            if len(body) > MAX_BODY:
                return _response(
                    error(413, "too_large", f"The body is over {MAX_BODY:,} bytes; send less.")
                )
            call = Call(
                method=request.method,
                path=request.url.path,
                token=_bearer(request.headers.get("authorization")),
                idempotency_key=request.headers.get("idempotency-key") if write else None,
                body=body,
                path_params=dict(request.path_params),
                query=dict(request.query_params),
            )
            answer, logged = await to_thread.run_sync(
                self._run, operation, call, write, limiter=self._workers
            )
            # Time spent inside kpibot, for clients and benchmarks to tell it from the network.
            answer.headers["Server-Timing"] = (
                f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            )
            task = None
            if logged and self.on_logged is not None:
                task = BackgroundTask(run_in_threadpool, self.on_logged, logged)
            return _response(answer, task)

        return endpoint

    def _writing(self, write: bool) -> Any:
        return self._sqlite_writes if write and self._sqlite_writes is not None else nullcontext()

    def _run(
        self, operation: Operation, call: Call, write: bool
    ) -> tuple[Answer, list[ValueLogged]]:
        for attempt in (1, 2):
            try:
                with self._writing(write):
                    return self._once(operation, call)
            except Answer as answer:
                return answer, []
            except IntegrityError:
                # A concurrent twin (same Idempotency-Key, or the same KPI and period) won the
                # race; once more, the request sees its result.
                if attempt == 2:
                    return error(409, "conflict", "A concurrent request wrote first; retry."), []
            except Exception:
                reference = uuid.uuid4().hex[:8]
                log.exception("API request failed (reference %s)", reference)
                return error(
                    500,
                    "internal",
                    f"Something went wrong on kpibot's side and nothing was stored "
                    f"(reference {reference}).",
                ), []
        raise AssertionError("unreachable")

    def _once(self, operation: Operation, call: Call) -> tuple[Answer, list[ValueLogged]]:
        with session_scope(self.engine) as session:
            ctx = Context(session=session, actor="api", now=self.clock(), policy=self.policy)
            try:
                caller = authenticate(ctx, call.token)
            except Unauthenticated as exc:
                answer = error(401, "unauthorized", exc.message, exc.field)
                answer.headers["WWW-Authenticate"] = "Bearer"
                raise answer from None
            try:
                self.limiter.take(caller.token_id)
            except RateLimited as limited:
                answer = error(
                    429,
                    "rate_limited",
                    f"The token '{caller.name}' sent too many requests; retry in "
                    f"{limited.retry_after} s.",
                )
                answer.headers["Retry-After"] = str(limited.retry_after)
                raise answer from None
            replay, request_hash = _replay(ctx, caller, call)
            if replay is not None:
                return replay, []
            try:
                status, body, logged = operation(ctx, caller, call)
            except ApiRefusal as refusal:
                raise error(
                    STATUS[refusal.code], refusal.code, refusal.message, refusal.field
                ) from None
            except CommandError as exc:
                raise error(422, INVALID, plain(exc.message), exc.field) from None
            if call.idempotency_key is not None:
                token_store.remember_answer(
                    session,
                    token_id=caller.token_id,
                    key=call.idempotency_key,
                    request_hash=request_hash,
                    status=status,
                    response=json.dumps(body),
                    now=ctx.now,
                )
            return Answer(status, body), logged


def _replay(ctx: Context, caller: Caller, call: Call) -> tuple[Answer | None, str]:
    """The remembered answer to an earlier request with the same Idempotency-Key, if any."""
    key = call.idempotency_key
    digest = hashlib.sha256(call.method.encode() + call.path.encode() + b"\n" + call.body)
    request_hash = digest.hexdigest()
    if key is None:
        return None, request_hash
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY:
        raise error(
            422,
            INVALID,
            f"The Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters.",
            "Idempotency-Key",
        )
    prior = token_store.idempotent_answer(ctx.session, caller.token_id, key)
    if prior is None:
        return None, request_hash
    if prior.request_hash != request_hash:
        raise error(
            422,
            "idempotency_key_reused",
            f"The Idempotency-Key '{key}' was used before with a different request; use a new "
            "key for a new request.",
            "Idempotency-Key",
        )
    answer = Answer(prior.status, json.loads(prior.response), {"Idempotent-Replayed": "true"})
    return answer, request_hash


def _bearer(header: str | None) -> str | None:
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _json(call: Call) -> Any:
    try:
        return json.loads(call.body)
    except (ValueError, RecursionError):
        raise error(422, "invalid_json", "The body is not valid JSON.", "body") from None


def _post_value(
    ctx: Context, caller: Caller, call: Call
) -> tuple[int, dict[str, Any], list[ValueLogged]]:
    recorded = record_value(ctx, caller, _json(call))
    return (201 if recorded.created else 200), recorded.body, [recorded.logged]


def _post_batch(
    ctx: Context, caller: Caller, call: Call
) -> tuple[int, dict[str, Any], list[ValueLogged]]:
    payload = _json(call)
    rows = payload.get("values") if isinstance(payload, dict) else None
    if isinstance(rows, list) and len(rows) > MAX_BATCH:
        raise error(
            413,
            "too_many_rows",
            f"A batch holds at most {MAX_BATCH:,} values; this one has {len(rows):,}. "
            "Split it into several batches.",
            "values",
        )
    outcome = record_batch(ctx, caller, rows)
    if outcome and not isinstance(outcome[0], Recorded):
        errors = [e for e in outcome if not isinstance(e, Recorded)]
        statuses = {STATUS[e.refusal.code] for e in errors}
        raise error(
            statuses.pop() if len(statuses) == 1 else 422,
            "rows_refused",
            f"{len(errors)} of {len(rows or [])} values were refused; nothing was stored.",
            "values",
            rows=[
                {
                    "index": e.index,
                    "code": e.refusal.code,
                    "message": e.refusal.message,
                    "field": e.refusal.field,
                }
                for e in errors
            ],
        )
    stored = [r for r in outcome if isinstance(r, Recorded)]
    created = sum(1 for r in stored if r.created)
    body = {
        "created": created,
        "unchanged": len(stored) - created,
        "values": [r.body for r in stored],
    }
    return (201 if created else 200), body, [r.logged for r in stored]


def _get_kpis(
    ctx: Context, caller: Caller, call: Call
) -> tuple[int, dict[str, Any], list[ValueLogged]]:
    return 200, {"kpis": api_reads.list_kpis(ctx, caller)}, []


def _get_kpi(
    ctx: Context, caller: Caller, call: Call
) -> tuple[int, dict[str, Any], list[ValueLogged]]:
    return 200, api_reads.kpi_detail(ctx, caller, call.path_params["key"]), []


def _get_values(
    ctx: Context, caller: Caller, call: Call
) -> tuple[int, dict[str, Any], list[ValueLogged]]:
    key, since = call.path_params["key"], call.query.get("since")
    return 200, api_reads.values_since(ctx, caller, key, since), []


async def _openapi(_: Request) -> Response:
    return JSONResponse(document())


def _response(answer: Answer, task: BackgroundTask | None = None) -> Response:
    return JSONResponse(
        answer.body, status_code=answer.status, headers=answer.headers, background=task
    )
