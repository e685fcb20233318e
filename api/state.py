"""What the HTTP app holds: settings, and the matcher once it has loaded."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.scoring.worker import BatchJobs

from .batcher import MicroBatcher
from .settings import Settings


@dataclass
class AppState:
    settings: Settings
    matcher: Matcher | None = None
    batcher: MicroBatcher | None = None
    jobs: BatchJobs | None = None  # opened with the matcher: a restarted server resumes its jobs at once
    load_error: str | None = None
    ready: threading.Event = field(default_factory=threading.Event)


def get_state(request: Request) -> AppState:
    return request.app.state.evidence


def get_ready_state(request: Request) -> AppState:
    state = get_state(request)
    if state.load_error:
        raise HTTPException(503, f"the model failed to load: {state.load_error}")
    if not state.ready.is_set():
        raise HTTPException(503, "the model is still loading; retry shortly (see /readyz)")
    return state
