"""The HTTP API's batch jobs: a queue in the database (``jobs.JobQueue``) and one worker thread per replica.

The worker claims a job (its own, another replica's, or one a dead replica left), scores it
in chunks of ``CHUNK`` documents with the same function as every batch path
(``engines.score_chunk``) and commits each chunk's results as it goes. A second thread renews
the lease while a chunk is scored, so a long chunk (an LLM judge) does not lose it; if it is
lost all the same (a stalled process), the chunk's results are not written and the worker
moves on: the replica that took the job over scores those documents.
Submitting wakes the worker at once; jobs posted to another replica are found by polling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from .database import open_database
from .engines import CHUNK, score_chunk
from .jobs import Claim, JobQueue, JobStatus

if TYPE_CHECKING:
    from evidence_matcher.matcher.engine import Matcher

log = logging.getLogger(__name__)


class BatchJobs:
    """Batch jobs stored in ``database`` (a SQLite file or a URL), scored by ``matcher`` in a background thread."""

    def __init__(
        self,
        database: Path | str,
        matcher: Matcher,
        ttl_seconds: float = 3600,
        lease_seconds: float = 30,
        poll_seconds: float = 1.0,
        sweep_seconds: float = 60,
    ):
        self.engine = open_database(database)
        self.queue = JobQueue(self.engine, ttl_seconds, lease_seconds)
        self.matcher = matcher
        self.poll = poll_seconds
        self.sweep_every = min(sweep_seconds, max(ttl_seconds, poll_seconds))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._held: str | None = None
        self._threads = [
            threading.Thread(target=self._work, name="batch-worker", daemon=True),
            threading.Thread(target=self._keep_lease, name="batch-lease", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, texts: Sequence[str], doc_ids: Sequence[str], rubric: str, use_judge: bool) -> str:
        job_id = self.queue.submit(texts, doc_ids, rubric, use_judge)
        self._wake.set()
        return job_id

    def get(self, job_id: str) -> JobStatus | None:
        return self.queue.status(job_id)

    def close(self, timeout: float = 5.0) -> None:
        """Stop after the chunk in hand (its job's lease is handed back), then close the database."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self.engine.dispose()

    def _work(self) -> None:
        last_sweep = -float("inf")
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_sweep >= self.sweep_every:
                    self.queue.expire()
                    last_sweep = time.monotonic()
                claim = self.queue.claim()
                if claim is not None:
                    self._run(claim)
                    continue
            except Exception as exc:  # the database is away (or a bug): the worker lives on, a held lease runs out
                log.warning("batch worker: %s, retrying in %.0f s", type(exc).__name__, self.poll)
            self._wake.wait(self.poll)
            self._wake.clear()

    def _run(self, claim: Claim) -> None:
        self._held = claim.id
        try:
            while not self._stop.is_set():
                chunk = self.queue.pending(claim.id, CHUNK)
                if not chunk:
                    self.queue.finish(claim.id)
                    return
                try:
                    scored = score_chunk(self.matcher, [text for _, text in chunk], claim.rubric, claim.use_judge)
                except Exception as exc:  # not one document's fault (those come back as errors): fail the job
                    log.error("batch job %s failed: %s", claim.id, type(exc).__name__)  # the message may quote text
                    self.queue.finish(claim.id, f"{type(exc).__name__}: {exc}")
                    return
                results = [(position, *result) for (position, _), result in zip(chunk, scored, strict=True)]
                if not self.queue.record(claim.id, results):  # the lease ran out and another replica took the job
                    log.warning("batch job %s: lease lost to another replica, which goes on with it", claim.id)
                    return
            self.queue.release(claim.id)  # stopping: whoever starts next goes on at once
        finally:
            self._held = None

    def _keep_lease(self) -> None:
        while not self._stop.wait(self.queue.lease / 3):
            held = self._held
            if held is None:
                continue
            try:
                self.queue.renew(held)  # False when it was lost: the next record() finds out and stops
            except SQLAlchemyError:
                log.warning("batch worker: could not renew the lease on job %s", held)
