"""What the PostgreSQL path costs against SQLite, measured in one process on the same documents.

Two workloads, each run on a fresh SQLite file and a fresh PostgreSQL database, alternated
round by round so a busy machine slows both alike:

- **batch jobs**: the HTTP API's path without HTTP (``BatchJobs``): submit ``jobs`` jobs of
  ``per_job`` documents, wait until every one is done (worker claims, chunk commits, lease
  renewals, status reads); jobs/s and documents/s.
- **score**: ``score_documents`` into a ``ScoreStore`` (`evidence score`'s path); documents/s.

The ratio PostgreSQL ÷ SQLite is the cost of the database path (1.0: none). With the real
model the scoring dominates; with the fake embedder (``EVIDENCE_EMBEDDER=tests.fakes:FakeEmbedder``,
from the repository root) almost only the database work is left: the worst case.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.scoring.runner import score_documents
from evidence_matcher.matcher.scoring.store import ScoreStore
from evidence_matcher.matcher.scoring.worker import BatchJobs

BACKENDS = ("sqlite", "postgresql")


def _batch_jobs(matcher: Matcher, database: str, texts: list[str], jobs: int, per_job: int) -> float:
    """Seconds from the first submit until every job is done."""
    rubric = matcher.rubric_index().rubric.id
    service = BatchJobs(database, matcher, poll_seconds=0.05)
    try:
        started = time.perf_counter()
        ids = [
            service.submit(
                [texts[(j * per_job + i) % len(texts)] for i in range(per_job)],
                [str(i) for i in range(per_job)],
                rubric,
                False,
            )
            for j in range(jobs)
        ]
        for job_id in ids:  # jobs are taken oldest first: waiting on each in turn waits for all
            while (status := service.get(job_id)) is None or status.status not in ("done", "failed"):
                time.sleep(0.01)
            assert status.status == "done" and status.done == per_job, status
        return time.perf_counter() - started
    finally:
        service.close()


def _score(matcher: Matcher, database: str, paths: list[Path]) -> float:
    store = ScoreStore(database)
    try:
        started = time.perf_counter()
        outcomes = score_documents(paths, matcher, matcher.rubric_index().rubric, store, progress=False)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    assert all(o.status == "scored" for o in outcomes)
    return seconds


def store_cost(
    matcher: Matcher,
    texts: list[str],
    folder: Path,
    postgres: Callable[[], str],
    jobs: int = 12,
    per_job: int = 8,
    rounds: int = 3,
) -> dict[str, float]:
    """Both workloads on both databases, ``rounds`` times. ``postgres()`` gives a fresh, empty PostgreSQL
    database's URL; SQLite gets a fresh file in ``folder``."""
    documents = jobs * per_job
    docs_folder = folder / "documents"
    docs_folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(documents):
        path = docs_folder / f"doc-{i:03d}.md"
        path.write_text(f"{texts[i % len(texts)]}\n\n(copy {i})\n", encoding="utf-8")  # distinct: all are scored
        paths.append(path)
    matcher.match_many(texts[:2], matcher.rubric_index().rubric)  # warm up: model sessions, index
    seconds: dict[str, list[float]] = {f"{kind}_{b}": [] for kind in ("jobs", "score") for b in BACKENDS}
    for round_number in range(rounds):
        order = BACKENDS if round_number % 2 == 0 else BACKENDS[::-1]
        for backend in order:
            for kind in ("jobs", "score"):
                database = postgres() if backend == "postgresql" else str(folder / f"{uuid.uuid4().hex}.sqlite")
                if kind == "jobs":
                    taken = _batch_jobs(matcher, database, texts, jobs, per_job)
                else:
                    taken = _score(matcher, database, paths)
                seconds[f"{kind}_{backend}"].append(taken)
    out: dict[str, float] = {"jobs": jobs, "documents_per_job": per_job, "rounds": rounds}
    for backend in BACKENDS:
        out[f"batch_jobs_per_s_{backend}"] = statistics.median(jobs / s for s in seconds[f"jobs_{backend}"])
        out[f"batch_documents_per_s_{backend}"] = statistics.median(documents / s for s in seconds[f"jobs_{backend}"])
        out[f"score_documents_per_s_{backend}"] = statistics.median(documents / s for s in seconds[f"score_{backend}"])
    for r in range(rounds):  # each round's own ratio: the spread says how steady the machine was
        out[f"round{r + 1}_jobs_ratio"] = seconds["jobs_sqlite"][r] / seconds["jobs_postgresql"][r]
        out[f"round{r + 1}_score_ratio"] = seconds["score_sqlite"][r] / seconds["score_postgresql"][r]
    out["batch_jobs_ratio_postgresql_vs_sqlite"] = out["batch_jobs_per_s_postgresql"] / out["batch_jobs_per_s_sqlite"]
    out["score_ratio_postgresql_vs_sqlite"] = (
        out["score_documents_per_s_postgresql"] / out["score_documents_per_s_sqlite"]
    )
    return out


def run(
    matcher: Matcher, texts: list[str], folder: Path, database_url: str | None = None, **sizes: int
) -> dict[str, float]:
    """``store_cost`` against ``database_url`` (used as it is, every round), or else against a throwaway
    PostgreSQL cluster started here with PostgreSQL's default durability (fsync on), a fresh database each time."""
    from .postgres import create_database, throwaway_cluster

    with ExitStack() as stack:
        if database_url:
            return store_cost(matcher, texts, folder, lambda: database_url, **sizes)
        server = stack.enter_context(throwaway_cluster(fast=False))
        return store_cost(matcher, texts, folder, lambda: create_database(server, f"bench_{uuid.uuid4().hex}"), **sizes)
