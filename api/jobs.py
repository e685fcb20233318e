"""Batch jobs: many documents in, a job id out, progress and results by polling.

Documents are held in memory only while the job needs them (dropped as each chunk is
scored) and results only until the job expires; nothing is written to disk or logs.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.result import MatchResult
from evidence_matcher.matcher.scoring.engines import CHUNK, score_chunk


@dataclass
class Job:
    id: str
    rubric: str
    use_judge: bool
    texts: list[str | None]
    doc_ids: list[str]
    created: float = field(default_factory=time.time)
    status: Literal["queued", "running", "done", "failed"] = "queued"
    done: int = 0
    results: list[MatchResult | None] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


class JobStore:
    def __init__(self, matcher: Matcher, ttl_seconds: float = 3600):
        self.matcher = matcher
        self.ttl = ttl_seconds
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch")

    def submit(self, texts: list[str], doc_ids: list[str], rubric: str, use_judge: bool) -> Job:
        self._expire()
        job = Job(
            id=uuid.uuid4().hex,
            rubric=rubric,
            use_judge=use_judge,
            texts=list(texts),
            doc_ids=doc_ids,
            results=[None] * len(texts),
        )
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job | None:
        self._expire()
        with self._lock:
            return self._jobs.get(job_id)

    def _expire(self) -> None:
        cutoff = time.time() - self.ttl
        with self._lock:
            for job_id in [j.id for j in self._jobs.values() if j.created < cutoff and j.status in ("done", "failed")]:
                del self._jobs[job_id]

    def _run(self, job: Job) -> None:
        job.status = "running"
        try:
            for start in range(0, len(job.texts), CHUNK):
                indexes = list(range(start, min(start + CHUNK, len(job.texts))))
                texts = [job.texts[i] or "" for i in indexes]
                for i, (result, error) in zip(
                    indexes, score_chunk(self.matcher, texts, job.rubric, job.use_judge), strict=True
                ):
                    job.results[i] = result
                    if error is not None:  # one bad document does not sink its neighbours
                        job.errors[job.doc_ids[i]] = error
                for i in indexes:
                    job.texts[i] = None  # the text is no longer needed: drop it
                job.done = indexes[-1] + 1
            job.status = "done"
        except Exception as exc:  # reported on the job, never lost silently
            job.status = "failed"
            job.errors["_job"] = f"{type(exc).__name__}: {exc}"
        finally:
            job.texts = [None] * len(job.texts)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
