from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_fa39fa786b0356e7.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")

__all__ = ["ROOT", "SHARED", "SEED", "FakeEmbedder"]


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def seed_path():
    if not SEED.is_file():
        pytest.skip(f"the seed ladder is not available at {SEED} (../shared/ is absent)")
    return SEED


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("evidence-cache")


@pytest.fixture(scope="session")
def real_matcher(cache_dir):
    """The real shipped matcher (evidence encoder on all-mpnet-base-v2, verifier) through the default backend."""
    from evidence_matcher.matcher.engine import Matcher

    return Matcher.load(cache_dir=cache_dir)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the session (initdb in a temporary folder, 127.0.0.1 on a free port):
    its URL. Skips, with the reason, where PostgreSQL is not installed."""
    from evidence_matcher.eval.postgres import PostgresUnavailable, throwaway_cluster

    try:
        cluster = throwaway_cluster()
        url = cluster.__enter__()
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL to test against: {exc}")
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture
def postgres_url(postgres_server, request):
    """A fresh, empty database on the session's PostgreSQL, for one test."""
    import re
    import uuid

    from evidence_matcher.eval.postgres import create_database

    name = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    return create_database(postgres_server, name)


@pytest.fixture
def fake_model_env(monkeypatch, tmp_path):
    """The real CLI with the fake embedder in place of the model, by configuration (the CLI's test seam):
    call it with the decision thresholds to use; the cache is a fresh folder."""

    def configure(params) -> None:
        path = tmp_path / "fake-thresholds.json"
        path.write_text(params.model_dump_json(), encoding="utf-8")
        monkeypatch.setenv("EVIDENCE_EMBEDDER", "tests.fakes:FakeEmbedder")
        monkeypatch.setenv("EVIDENCE_THRESHOLDS", str(path))
        monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("EVIDENCE_ADAPT", "false")

    return configure
