"""The scoring database on SQLite and on a real PostgreSQL: migrations, the results store, batch jobs
with leases shared by replicas, expiry, and `evidence score --store postgresql://...`.

The PostgreSQL cases run against a throwaway cluster the session starts (``postgres_server`` in conftest.py)
and skip, with the reason, where PostgreSQL is not installed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from evidence_matcher.api.app import create_app
from evidence_matcher.api.settings import Settings
from evidence_matcher.errors import StoreError
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.scoring.database import open_database, table_names
from evidence_matcher.matcher.scoring.jobs import JobQueue
from evidence_matcher.matcher.scoring.schema import batch_documents, batch_jobs, metadata, results
from evidence_matcher.matcher.scoring.store import ScoreStore
from evidence_matcher.matcher.scoring.worker import BatchJobs
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

HIRING = load_rubric(DEFAULT_RUBRIC_ID).locate("hiring.1")[2].examples[0]
PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The same test on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def matcher(fake_embedder, tmp_path):
    return Matcher(embedder=fake_embedder, cache_dir=tmp_path / "cache", params=PARAMS)


def documents(n: int, tag: str = "") -> list[str]:
    return [f"- {HIRING}\n- Note {tag}{i} about the weather this week." for i in range(n)]


def wait_for(check, seconds: float = 30):
    deadline = time.time() + seconds
    while not (value := check()):
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)
    return value


def test_migrations_create_the_schema_from_empty(database):
    engine = open_database(database)
    try:
        assert table_names(engine) == {"alembic_version", "results", "batch_jobs", "batch_documents"}
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == "r0002"
            assert compare_metadata(context, metadata) == []  # the migrations build exactly schema.py
    finally:
        engine.dispose()
    open_database(database).dispose()  # opening again migrates nothing and changes nothing


def test_a_store_from_before_migrations_is_adopted_as_it_is(tmp_path):
    path = tmp_path / "results.sqlite"
    with sqlite3.connect(path) as old:  # the table as `evidence score` created it before migrations existed
        old.executescript(
            "CREATE TABLE results (key TEXT PRIMARY KEY, content_sha256 TEXT NOT NULL, path TEXT NOT NULL,"
            " rubric_id TEXT NOT NULL, rubric_fingerprint TEXT NOT NULL, model TEXT NOT NULL, judge TEXT NOT NULL,"
            " status TEXT NOT NULL, error TEXT, result TEXT, scored_at REAL NOT NULL,"
            " attempts INTEGER NOT NULL DEFAULT 1);"
            "INSERT INTO results VALUES ('k1', 'sha', 'a.md', 'r', 'fp', 'm', 'offline', 'failed', 'empty', NULL, 1, 1)"
        )
    store = ScoreStore(path)
    try:
        assert store.get("k1").error == "empty"
        assert {"batch_jobs", "batch_documents"} <= table_names(store.engine)
    finally:
        store.close()


def test_the_results_store_keeps_one_row_per_key_and_counts_attempts(database, matcher):
    result = matcher.match(documents(1)[0])
    store = ScoreStore(database)
    try:
        assert store.get("k") is None
        store.put("k", "sha", "a.md", "r", "fp", "m", "offline", None, "unreadable")
        store.put("k", "sha", "b.md", "r", "fp", "m", "offline", result, None)
        row = store.get("k")
        assert (row.path, row.status, row.error, row.attempts) == ("b.md", "ok", None, 2)
        assert row.result == result
        with store.engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(results)).scalar() == 1
    finally:
        store.close()


def test_one_replica_holds_a_job_until_its_lease_runs_out(database):
    engine = open_database(database)
    a = JobQueue(engine, ttl_seconds=3600, lease_seconds=30, owner="replica-a")
    b = JobQueue(engine, ttl_seconds=3600, lease_seconds=30, owner="replica-b")
    try:
        job = a.submit(["one text", "another text"], ["x", "y"], DEFAULT_RUBRIC_ID, False)
        assert b.status(job).status == "queued"  # a job posted through one replica is seen by the other
        assert a.claim().id == job
        assert b.claim() is None  # held
        assert a.pending(job, 8) == [(0, "one text"), (1, "another text")]
        assert a.record(job, [(0, None, "bad document")])
        # a dies: its lease runs out, and b takes the job over where a left it.
        later = time.time() + 31
        assert b.claim(now=later).id == job
        assert b.pending(job, 8) == [(1, "another text")]
        assert not a.record(job, [(1, None, "late")])  # a's late write is refused...
        assert not a.renew(job) and not a.finish(job)
        assert b.pending(job, 8) == [(1, "another text")]  # ...and changed nothing
        assert b.record(job, [(1, None, "scored by b")]) and b.finish(job)
        status = a.status(job)
        assert (status.status, status.done, status.total) == ("done", 2, 2)
        assert status.errors == {"x": "bad document", "y": "scored by b"}
        with engine.connect() as connection:  # texts are dropped as documents are scored
            assert connection.execute(select(batch_documents.c.text).where(batch_documents.c.job_id == job)).all() == [
                (None,),
                (None,),
            ]
    finally:
        engine.dispose()


class Recording:
    """A matcher that notes which replica scored which text (and takes a little time doing it)."""

    def __init__(self, matcher: Matcher, name: str, log: list):
        self.matcher, self.name, self.log = matcher, name, log
        self.lock = threading.Lock()

    def match_many(self, texts, rubric, use_judge=True):
        time.sleep(0.03)
        with self.lock:
            self.log.extend((self.name, text) for text in texts)
        return self.matcher.match_many(texts, rubric, use_judge)

    def match(self, text, rubric, use_judge=True):
        return self.match_many([text], rubric, use_judge)[0]


def test_two_replicas_on_one_database_share_jobs_and_score_each_document_once(database, matcher):
    scored: list[tuple[str, str]] = []
    a = BatchJobs(database, Recording(matcher, "a", scored), lease_seconds=5, poll_seconds=0.05)  # type: ignore[arg-type]
    b = BatchJobs(database, Recording(matcher, "b", scored), lease_seconds=5, poll_seconds=0.05)  # type: ignore[arg-type]
    try:
        texts = {f"job{j}": documents(20, tag=f"j{j}-") for j in range(6)}
        ids = [a.submit(docs, [str(i) for i in range(20)], DEFAULT_RUBRIC_ID, False) for docs in texts.values()]
        for job_id in ids:  # every job posted to a is finished and readable from b
            status = wait_for(lambda job_id=job_id: (s := b.get(job_id)) and s.status == "done" and s)
            assert status.done == status.total == 20 and len(status.results) == 20 and status.errors == {}
        every = [text for docs in texts.values() for text in docs]
        assert sorted(text for _, text in scored) == sorted(every)  # each document scored once, by one replica
        assert {name for name, _ in scored} == {"a", "b"}  # and both replicas took jobs
    finally:
        a.close()
        b.close()


def test_results_expire_after_the_ttl_and_texts_are_gone_once_scored(database, matcher, tmp_path):
    settings = Settings(cache_dir=tmp_path, batch_ttl_seconds=2.0, database_url=database)
    with TestClient(create_app(settings, matcher=matcher)) as client:
        url = client.post("/v1/batch", json={"documents": [{"id": "d", "text": t} for t in documents(1)]}).json()[
            "status_url"
        ]
        done = wait_for(lambda: (s := client.get(url).json())["status"] == "done" and s)
        assert any(m["behavior_id"] == "hiring.1" for m in done["results"]["d"]["matches"])
        engine = open_database(database)
        try:
            with engine.connect() as connection:
                rows = connection.execute(select(batch_documents.c.text, batch_documents.c.result)).all()
            assert len(rows) == 1 and rows[0].text is None and rows[0].result  # the text went, the result stayed
            time.sleep(2.2)
            assert client.get(url).status_code == 404
            with engine.connect() as connection:  # deleted, not hidden
                for table in (batch_jobs, batch_documents):
                    assert connection.execute(select(func.count()).select_from(table)).scalar() == 0
        finally:
            engine.dispose()


def test_the_server_keeps_its_jobs_in_the_cache_dir_by_default(matcher, tmp_path):
    with TestClient(create_app(Settings(cache_dir=tmp_path / "cache"), matcher=matcher)) as client:
        accepted = client.post("/v1/batch", json={"documents": [{"text": documents(1)[0]}]})
        assert accepted.status_code == 202
    assert (tmp_path / "cache" / "jobs.sqlite").is_file()


def test_evidence_score_stores_in_postgresql_and_a_rerun_scores_nothing_new(postgres_url, fake_model_env, tmp_path):
    from evidence_matcher.api.cli.root import app

    fake_model_env(PARAMS)
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(documents(10)):
        (folder / f"doc-{i}.md").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["score", str(folder), "--out", str(out), "--store", postgres_url, "--judge", "offline"])
    assert first.exit_code == 0, first.output
    assert "10 documents: 10 scored, 0 already in the store, 0 failed" in first.output
    assert not (out / "results.sqlite").exists()  # the results went to PostgreSQL
    again = runner.invoke(app, ["score", str(folder), "--out", str(out), "--store", postgres_url, "--judge", "offline"])
    assert "10 documents: 0 scored, 10 already in the store, 0 failed" in again.output
    store = ScoreStore(postgres_url)
    try:
        with store.engine.connect() as connection:
            assert connection.execute(select(func.count(), func.max(results.c.attempts))).one() == (10, 1)
    finally:
        store.close()


def test_a_database_that_cannot_be_used_is_a_clear_error(tmp_path):
    from evidence_matcher.eval.server_process import free_port

    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        ScoreStore("mysql://someone@127.0.0.1/x")
    with pytest.raises(StoreError, match="cannot open the database") as caught:
        ScoreStore(f"postgresql://someone:s3cret@127.0.0.1:{free_port()}/x")
    assert "s3cret" not in str(caught.value)  # never the password


def test_replicas_starting_at_once_all_migrate_the_same_empty_database(database):
    """Processes opening one empty database together: one migrates, the others find the schema current."""
    script = "import sys; from evidence_matcher.matcher.scoring import database; database.open_database(sys.argv[1])"
    starts = [subprocess.Popen([sys.executable, "-c", script, database], stderr=subprocess.PIPE) for _ in range(4)]
    for proc in starts:
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()[-2000:]
    engine = open_database(database)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert context.get_current_revision() == "r0002" and compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
