"""`--engine ray` gives exactly the local engine's results, on a local Ray instance.

The real model (all-MiniLM-L6-v2 through onnxruntime, not adapted to the rubric: the
adaptation takes minutes and changes nothing about how engines agree) runs in two Ray
actors with one thread each, against the driver's two-thread local run: the stored JSON
of every document must be identical, failures included.
"""

import sqlite3

import pytest

from evidence_matcher.matcher.decision import load_params
from evidence_matcher.matcher.documents import find_documents
from evidence_matcher.matcher.scoring.engines import LocalEngine, RayEngine
from evidence_matcher.matcher.scoring.runner import score_documents
from evidence_matcher.matcher.scoring.store import ScoreStore
from evidence_matcher.matcher.spec import MatcherSpec
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric
from tests.test_score import TEXTS, mixed  # noqa: F401 - mixed is a fixture, found by name

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'evidence-matcher[ray]')")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def stored(db_path):
    with sqlite3.connect(str(db_path)) as conn:
        return conn.execute("SELECT key, path, status, error, result FROM results ORDER BY key").fetchall()


@pytest.mark.slow
def test_the_ray_engine_stores_exactly_what_the_local_engine_stores(mixed, tmp_path, local_ray):  # noqa: F811 - the mixed fixture imported above
    for i in range(5, 21):  # enough documents for several chunks on both actors
        (mixed / f"more-{i:02d}.md").write_text(TEXTS[i], encoding="utf-8")
    paths = find_documents([mixed])
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    spec = MatcherSpec(cache_dir=tmp_path / "cache", params=load_params(), max_chars=20_000, adapt=False)
    driver = spec.load()
    driver.rubric_index(rubric)  # the ONNX export and the index, once, before the actors load them

    local_store = ScoreStore(tmp_path / "local" / "results.sqlite")
    local = score_documents(paths, driver, rubric, local_store, progress=False, engine=LocalEngine(driver))
    local_store.close()

    engine = RayEngine(
        spec, workers=2, in_flight_per_worker=1
    )  # 3 chunks, 2 in flight: results come back while chunks are still submitted
    assert not engine.started  # it joined the instance this test started
    ray_store = ScoreStore(tmp_path / "ray" / "results.sqlite")
    try:
        remote = score_documents(paths, driver, rubric, ray_store, progress=False, engine=engine)
    finally:
        ray_store.close()
        engine.close()

    assert [(o.path, o.status, o.error) for o in remote] == [(o.path, o.status, o.error) for o in local]
    assert sum(o.status == "scored" for o in local) == 20 and sum(o.status == "failed" for o in local) == 5
    local_rows, ray_rows = stored(tmp_path / "local" / "results.sqlite"), stored(tmp_path / "ray" / "results.sqlite")
    assert len(local_rows) == 25
    assert ray_rows == local_rows  # byte for byte: results, errors, keys
