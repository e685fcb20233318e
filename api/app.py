"""The HTTP API and web page: ``create_app()`` for uvicorn, ``evidence serve`` to run it.

The model and indexes load once, in the background from the lifespan, so ``/healthz``
answers at once and ``/readyz`` (and the API) once loading is done. Model work runs off
the event loop; concurrent /v1/match requests are embedded together (``MicroBatcher``).
"""

from __future__ import annotations

import secrets
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from evidence_matcher.errors import EvidenceError
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from .batcher import MicroBatcher
from .routes import batch, extract, match, rubrics
from .settings import Settings, load_settings, matcher_spec
from .state import AppState, get_state

STATIC = Path(__file__).resolve().parent / "static"


DRAIN_MAX_BYTES = 64 * 1024 * 1024


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413, declared (Content-Length) or streamed.

    After the 413 the rest of the body is read and thrown away (up to ``DRAIN_MAX_BYTES``):
    a server that closes with unread bytes makes the kernel reset the connection, and
    clients that send the whole body before reading (urllib, requests) then see
    "connection reset" instead of the 413 and its message.
    """

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.limit:
                return await _too_large(self.limit, send, receive, declared=int(declared))
            return await self.app(scope, receive, send)
        # No declared length (chunked): read up to the limit before the app sees anything.
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, receive, send)
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await _too_large(self.limit, send, receive, already=len(body), more=more)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(limit: int, send, receive, already: int = 0, more: bool = True, declared: int = 0) -> None:
    # Read the rest first: once the response is complete the server stops reading, and a
    # huge declared upload is not worth reading at all (that client may still see a reset).
    drained = already
    while more and declared <= DRAIN_MAX_BYTES and drained < DRAIN_MAX_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            break
        drained += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = f'{{"detail": "request body over the {limit:,}-byte limit"}}'.encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _open_jobs(state: AppState, matcher: Matcher) -> None:
    """The batch jobs' database and worker; it goes on at once with jobs accepted before a restart."""
    from evidence_matcher.matcher.scoring.worker import BatchJobs

    settings = state.settings
    state.jobs = BatchJobs(
        settings.database_url or settings.cache_dir / "jobs.sqlite",
        matcher,
        ttl_seconds=settings.batch_ttl_seconds,
        lease_seconds=settings.batch_lease_seconds,
    )


def _load(state: AppState, judge_mode: str) -> None:
    try:
        matcher = matcher_spec(state.settings, judge_mode).load()
        matcher.rubric_index(DEFAULT_RUBRIC_ID)  # build or load now, not on the first request
        _open_jobs(state, matcher)
        state.matcher = matcher
        state.ready.set()
    except Exception as exc:  # reported by /readyz and every API call
        state.load_error = str(exc)


def create_app(settings: Settings | None = None, matcher: Matcher | None = None) -> FastAPI:
    """The app; pass ``matcher`` to skip loading (tests)."""
    settings = settings or load_settings()
    state = AppState(settings=settings, matcher=matcher)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if matcher is not None:
            _open_jobs(state, matcher)
            state.ready.set()
        else:
            threading.Thread(target=_load, args=(state, "auto"), daemon=True, name="load-model").start()
        yield
        if state.batcher:
            await state.batcher.stop()
        if state.jobs:
            state.jobs.close()

    app = FastAPI(
        title="evidence-matcher",
        version="1.0",
        summary="Which behaviors of a career ladder a piece of writing evidences, with verbatim citations.",
        lifespan=lifespan,
    )
    app.state.evidence = state

    def require_token(request: Request) -> None:
        token = settings.api_token
        if not token:
            return
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    def attach_workers(request: Request) -> None:
        # Created lazily on the serving loop once the matcher exists.
        if state.matcher is not None and state.batcher is None:
            state.batcher = MicroBatcher(state.matcher, max_batch=settings.max_batch_texts)

    for router in (match.router, rubrics.router, batch.router, extract.router):
        app.include_router(router, dependencies=[Depends(require_token), Depends(attach_workers)])

    @app.get("/healthz", tags=["ops"], summary="The process is up")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="The model and indexes are loaded")
    def readyz(s: AppState = Depends(get_state)):
        if s.load_error:
            return JSONResponse({"status": "failed", "detail": s.load_error}, status_code=503)
        if not s.ready.is_set():
            return JSONResponse({"status": "loading"}, status_code=503)
        return {"status": "ready", "judge": "llm" if s.matcher.judge else "offline", "auth": bool(settings.api_token)}

    @app.exception_handler(EvidenceError)
    async def evidence_error(request: Request, exc: EvidenceError):
        # The one mapping from errors to HTTP: each error class carries its status.
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
