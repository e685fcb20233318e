"""Batch jobs in the database: submitted, claimed under a lease, scored chunk by chunk, expired.

Every replica of the server sees the same jobs, so a job posted to one can be read from any
other and scored by whichever claims it. A claim is a lease on the whole job (``owner``,
``lease_until``), taken by one conditional UPDATE, so two replicas never hold it at once;
the holder renews it while it works, and every write it makes is conditional on still holding
it. A replica that dies stops renewing: once its lease has run out another claims the job and
goes on from the first document not yet scored (each chunk's results are committed together).

A document's text is kept only until the document is scored (then set to NULL); results are
deleted ``ttl_seconds`` after their job finished. Times are this machine's clock: replicas
must keep their clocks in sync (NTP) well within the lease.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, and_, bindparam, delete, func, insert, or_, select, update

from evidence_matcher.matcher.result import MatchResult

from .schema import batch_documents as docs
from .schema import batch_jobs as jobs

JobState = Literal["queued", "running", "done", "failed"]
OPEN = ("queued", "running")


@dataclass(frozen=True)
class JobStatus:
    """A job as a client sees it."""

    id: str
    status: JobState
    done: int
    total: int
    results: dict[str, MatchResult]  # finished documents by id
    errors: dict[str, str]  # documents that failed, by id; "_job" when the whole job failed


@dataclass(frozen=True)
class Claim:
    """A job this replica holds the lease on."""

    id: str
    rubric: str
    use_judge: bool


def replica_name() -> str:
    """Who holds a lease: unique per process, and readable in the table (host and pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobQueue:
    def __init__(self, engine: Engine, ttl_seconds: float, lease_seconds: float, owner: str | None = None):
        self.engine = engine
        self.ttl = ttl_seconds
        self.lease = lease_seconds
        self.owner = owner or replica_name()

    def submit(self, texts: Sequence[str], doc_ids: Sequence[str], rubric: str, use_judge: bool) -> str:
        """Store a job and its documents in one transaction; its id."""
        job_id = uuid.uuid4().hex
        with self.engine.begin() as connection:
            connection.execute(
                insert(jobs).values(
                    id=job_id,
                    rubric=rubric,
                    use_judge=use_judge,
                    status="queued",
                    total=len(texts),
                    created_at=time.time(),
                )
            )
            connection.execute(
                insert(docs),
                [
                    {"job_id": job_id, "position": i, "doc_id": doc_id, "text": text, "status": "pending"}
                    for i, (doc_id, text) in enumerate(zip(doc_ids, texts, strict=True))
                ],
            )
        return job_id

    def status(self, job_id: str) -> JobStatus | None:
        """The job, or None when it does not exist or has expired."""
        with self.engine.connect() as connection:
            job = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
            if job is None:
                return None
            if job.finished_at is not None and job.finished_at < time.time() - self.ttl:
                expired = True
            else:
                expired = False
                rows = connection.execute(
                    select(docs.c.doc_id, docs.c.status, docs.c.result, docs.c.error)
                    .where(docs.c.job_id == job_id)
                    .order_by(docs.c.position)
                ).all()
        if expired:  # gone for the client at once; deleted now rather than at the next sweep
            self.expire()
            return None
        results = {r.doc_id: MatchResult.model_validate_json(r.result) for r in rows if r.status == "ok"}
        errors = {r.doc_id: r.error or "failed" for r in rows if r.status == "failed"}
        if job.error:
            errors["_job"] = job.error
        done = sum(r.status != "pending" for r in rows)
        return JobStatus(job.id, job.status, done, job.total, results, errors)

    def claim(self, now: float | None = None) -> Claim | None:
        """Take the lease on the oldest job nobody holds (queued, or abandoned by a dead replica)."""
        now = time.time() if now is None else now
        claimable = and_(jobs.c.status.in_(OPEN), or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now))
        with self.engine.connect() as connection:
            candidates = connection.execute(
                select(jobs.c.id, jobs.c.rubric, jobs.c.use_judge).where(claimable).order_by(jobs.c.created_at).limit(8)
            ).all()
        for candidate in candidates:
            # Compare-and-set: of replicas racing for one job, exactly one UPDATE matches (PostgreSQL
            # re-checks the WHERE after the row lock; SQLite runs one writer at a time).
            with self.engine.begin() as connection:
                taken = connection.execute(
                    update(jobs)
                    .where(jobs.c.id == candidate.id, claimable)
                    .values(owner=self.owner, lease_until=now + self.lease, status="running")
                ).rowcount
            if taken == 1:
                return Claim(candidate.id, candidate.rubric, candidate.use_judge)
        return None

    def renew(self, job_id: str) -> bool:
        """Extend the lease; False when this replica no longer holds it."""
        with self.engine.begin() as connection:
            return self._extend(connection, job_id) == 1

    def pending(self, job_id: str, limit: int) -> list[tuple[int, str]]:
        """The next ``limit`` documents not yet scored: (position, text)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(docs.c.position, docs.c.text)
                .where(docs.c.job_id == job_id, docs.c.status == "pending", docs.c.text.is_not(None))
                .order_by(docs.c.position)
                .limit(limit)
            ).all()
        return [(row.position, row.text) for row in rows]

    def record(self, job_id: str, scored: Sequence[tuple[int, MatchResult | None, str | None]]) -> bool:
        """Store a chunk's results and drop its texts, all or nothing, if this replica still holds the
        lease; False (nothing written) when it does not: another replica owns the job now."""
        with self.engine.begin() as connection:
            if self._extend(connection, job_id) != 1:  # first: it also locks the job row until commit
                return False
            connection.execute(
                update(docs)
                .where(docs.c.job_id == bindparam("j"), docs.c.position == bindparam("p"))
                .values(text=None, status=bindparam("s"), result=bindparam("r"), error=bindparam("e")),
                [
                    {
                        "j": job_id,
                        "p": position,
                        "s": "ok" if result is not None else "failed",
                        "r": result.model_dump_json() if result is not None else None,
                        "e": error,
                    }
                    for position, result, error in scored
                ],
            )
        return True

    def finish(self, job_id: str, error: str | None = None) -> bool:
        """Mark the job done (or failed, with the reason; its unscored texts are dropped) and let go of it."""
        with self.engine.begin() as connection:
            finished = connection.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.owner == self.owner)
                .values(
                    status="failed" if error else "done",
                    error=error,
                    finished_at=time.time(),
                    owner=None,
                    lease_until=None,
                )
            ).rowcount
            if finished and error:
                connection.execute(
                    update(docs).where(docs.c.job_id == job_id, docs.c.text.is_not(None)).values(text=None)
                )
        return finished == 1

    def release(self, job_id: str) -> None:
        """Give the lease back (shutting down): another replica, or the next start, goes on at once."""
        with self.engine.begin() as connection:
            connection.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.owner == self.owner).values(owner=None, lease_until=None)
            )

    def expire(self, now: float | None = None) -> int:
        """Delete jobs (and their documents) finished more than the TTL ago; how many."""
        cutoff = (time.time() if now is None else now) - self.ttl
        old = select(jobs.c.id).where(jobs.c.finished_at < cutoff)
        with self.engine.begin() as connection:
            connection.execute(delete(docs).where(docs.c.job_id.in_(old)))
            return connection.execute(delete(jobs).where(jobs.c.finished_at < cutoff)).rowcount

    def counts(self) -> dict[str, int]:
        """Jobs by status (for benchmarks and operators)."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        return {status: count for status, count in rows}

    def _extend(self, connection, job_id: str) -> int:
        return connection.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.owner == self.owner)
            .values(lease_until=time.time() + self.lease)
        ).rowcount
