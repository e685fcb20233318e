"""Batch jobs survive their server: real `evidence serve` processes killed with SIGKILL mid-job, on SQLite and on
PostgreSQL, and two replicas sharing one PostgreSQL.

The servers run the fake embedder (by configuration, the CLI's test seam) slowed to a quarter of a second per
chunk, so a job of a few chunks is still running when its server is killed."""

from __future__ import annotations

import signal
import time
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import func, select

from evidence_matcher.api.cli.common import SELF
from evidence_matcher.eval.server_process import evidence_server
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.scoring.database import open_database
from evidence_matcher.matcher.scoring.schema import batch_documents, batch_jobs
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

HIRING = load_rubric(DEFAULT_RUBRIC_ID).locate("hiring.1")[2].examples[0]
PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)
LEASE = 2  # seconds: a dead server's job is taken over this long after its last renewal


@pytest.fixture
def server_env(tmp_path):
    thresholds = tmp_path / "thresholds.json"
    thresholds.write_text(PARAMS.model_dump_json(), encoding="utf-8")
    return {
        "EVIDENCE_EMBEDDER": "tests.fakes:SlowFakeEmbedder",  # importable: servers run in the repository root
        "EVIDENCE_THRESHOLDS": str(thresholds),
        "EVIDENCE_ADAPT": "false",
        "EVIDENCE_BATCH_LEASE_SECONDS": str(LEASE),
    }


def serve(stack: ExitStack, cache_dir, env):
    return stack.enter_context(evidence_server(SELF, cache_dir, env, timeout=120))


def post_job(base: str, n: int) -> tuple[str, list[str]]:
    ids = [f"doc-{i:03d}" for i in range(n)]
    documents = [{"id": i, "text": f"- {HIRING}\n- Note {i} about the weather this week."} for i in ids]
    accepted = httpx.post(f"{base}/v1/batch", json={"documents": documents, "judge": "offline"}, timeout=30)
    assert accepted.status_code == 202, accepted.text
    return accepted.json()["job_id"], ids


def status(base: str, job_id: str) -> dict:
    answer = httpx.get(f"{base}/v1/batch/{job_id}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_until(check, seconds: float = 90):
    deadline = time.time() + seconds
    while not (value := check()):
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)
    return value


def kill_mid_job(proc, base: str, job_id: str, database) -> int:
    """SIGKILL the server once some chunks are stored and others are not; how many documents were done."""
    progress = wait_until(lambda: (s := status(base, job_id))["done"] >= 16 and s)
    assert progress["done"] < progress["total"], "the job finished before its server could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    engine = open_database(database)
    try:
        with engine.connect() as connection:
            kept = connection.execute(
                select(func.count()).where(batch_documents.c.job_id == job_id, batch_documents.c.text.is_not(None))
            ).scalar()
    finally:
        engine.dispose()
    assert kept > 0  # the texts not yet scored survived the kill, on disk
    return progress["done"]


def assert_finished_and_texts_dropped(base: str, job_id: str, ids: list[str], database) -> None:
    final = wait_until(lambda: (s := status(base, job_id))["status"] in ("done", "failed") and s)
    assert final["status"] == "done" and final["done"] == final["total"] == len(ids)
    assert sorted(final["results"]) == ids and final["errors"] == {}  # every accepted document has its result
    assert all(any(m["behavior_id"] == "hiring.1" for m in r["matches"]) for r in final["results"].values())
    engine = open_database(database)
    try:
        with engine.connect() as connection:
            texts = connection.execute(select(func.count()).where(batch_documents.c.text.is_not(None))).scalar()
    finally:
        engine.dispose()
    assert texts == 0  # scored: every text is gone from the database


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_server_killed_mid_job_finishes_it_after_a_restart(backend, server_env, tmp_path, request):
    cache = tmp_path / "cache"
    if backend == "postgresql":
        database = request.getfixturevalue("postgres_url")
        server_env["EVIDENCE_DATABASE_URL"] = database
    else:
        database = str(cache / "jobs.sqlite")  # the default: a file in the cache directory
    with ExitStack() as first:
        base, proc = serve(first, cache, server_env)
        job_id, ids = post_job(base, 64)
        kill_mid_job(proc, base, job_id, database)
    with ExitStack() as second:
        base, _ = serve(second, cache, server_env)
        assert_finished_and_texts_dropped(base, job_id, ids, database)


@pytest.mark.slow
def test_two_replicas_on_one_postgresql_share_jobs_and_take_over_a_dead_ones(postgres_url, server_env, tmp_path):
    server_env["EVIDENCE_DATABASE_URL"] = postgres_url
    with ExitStack() as stack:
        base_a, proc_a = serve(stack, tmp_path / "cache-a", server_env)
        base_b, _ = serve(stack, tmp_path / "cache-b", server_env)
        # A job posted to one replica is readable, and finished, from the other.
        shared, shared_ids = post_job(base_a, 16)
        assert status(base_b, shared)["total"] == 16
        assert_finished_and_texts_dropped(base_b, shared, shared_ids, postgres_url)
        # A replica dies mid-job: the other takes the job over once the lease has run out, and finishes it.
        job_id, ids = post_job(base_a, 64)
        wait_until(lambda: status(base_b, job_id)["done"] >= 8)
        engine = open_database(postgres_url)
        try:
            with engine.connect() as connection:
                owner = connection.execute(select(batch_jobs.c.owner).where(batch_jobs.c.id == job_id)).scalar()
        finally:
            engine.dispose()
        assert owner is not None and f":{proc_a.pid}:" in owner  # replica A holds it...
        kill_mid_job(proc_a, base_b, job_id, postgres_url)
        assert_finished_and_texts_dropped(base_b, job_id, ids, postgres_url)  # ...and B finishes it
