import json

import numpy as np

from evidence_matcher.index.rubric_index import build_rubric_index, index_items, index_path, load_or_build_rubric_index
from evidence_matcher.index.vector_store import VectorIndex, choose_index_type, read_sidecar
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric


def _edited(rubric: Rubric) -> Rubric:
    data = rubric.model_dump()
    data["areas"][0]["responsibilities"][0]["behaviors"][0]["examples"] = ["I wrote a brand new example sentence"]
    return Rubric.model_validate(data)


def test_index_rows_cover_text_sentences_and_examples():
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    items = index_items(rubric)
    ids = {bid for bid, _, _ in items}
    assert ids == {b.id for b in rubric.behaviors}  # notes are never indexed
    assert ("collaborative-reach.1", "collaborative-reach.1#s2") in {(b, i) for b, i, _ in items}
    per_behavior = {b.id: sum(1 for bid, _, _ in items if bid == b.id) for b in rubric.behaviors}
    assert min(per_behavior.values()) >= 4  # text + at least three examples


def test_index_round_trip_reloads_identically(tmp_path, fake_embedder):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    built = load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    sidecar = read_sidecar(index_path(tmp_path, rubric))
    assert sidecar["model_id"] == fake_embedder.model_id
    assert sidecar["dimension"] == fake_embedder.dim
    assert sidecar["rubric_fingerprint"] == rubric.fingerprint()
    assert sidecar["index_type"] == "flat-ip"
    assert sidecar["ids"] == built.vectors.ids
    calls = fake_embedder.calls
    again = load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    assert fake_embedder.calls == calls  # loaded, not rebuilt
    queries = fake_embedder.encode(["I own the failover runbook", "mentoring two engineers"])
    for a, b in zip(built.behavior_scores(queries), again.behavior_scores(queries), strict=True):
        np.testing.assert_array_equal(a, b)


def test_index_is_rebuilt_when_the_rubric_changes(tmp_path, fake_embedder):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    calls = fake_embedder.calls
    edited = _edited(rubric)
    rebuilt = load_or_build_rubric_index(edited, fake_embedder, tmp_path)
    assert fake_embedder.calls == calls + 1
    assert "scope.1#ex1" in rebuilt.vectors.ids
    assert read_sidecar(index_path(tmp_path, rubric))["rubric_fingerprint"] == edited.fingerprint()


def test_index_is_rebuilt_when_the_model_changes(tmp_path, fake_embedder):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    fake_embedder.fingerprint = "another-model"
    calls = fake_embedder.calls
    load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    assert fake_embedder.calls == calls + 1


def test_damaged_cache_is_rebuilt_not_trusted(tmp_path, fake_embedder):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    index_path(tmp_path, rubric).write_bytes(b"garbage")
    rebuilt = load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    assert rebuilt.vectors.index.ntotal == len(index_items(rubric))


def test_index_type_is_chosen_by_size_and_recorded(tmp_path):
    assert choose_index_type(13_896) == "flat-ip"
    assert choose_index_type(200_000).startswith("hnsw")
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    big = VectorIndex.build(vectors, [f"v{i}" for i in range(300)], {"model_id": "m"}, flat_max_items=100)
    assert big.meta["index_type"].startswith("hnsw")
    big.save(tmp_path / "big.faiss")
    loaded = VectorIndex.load(tmp_path / "big.faiss")
    assert json.loads((tmp_path / "big.faiss.json").read_text())["index_type"] == big.meta["index_type"]
    scores, rows = loaded.search(vectors[:5], 1)
    assert rows[:, 0].tolist() == [0, 1, 2, 3, 4]  # each vector finds itself
    np.testing.assert_allclose(scores[:, 0], 1.0, rtol=1e-5)


def test_behavior_scores_take_the_best_row_per_behavior(fake_embedder):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    index = build_rubric_index(rubric, fake_embedder)
    example = rubric.locate("hiring.1")[2].examples[0]
    scores, best = index.behavior_scores(fake_embedder.encode([example]))
    col = index.behavior_ids.index("hiring.1")
    assert scores[0, col] == np.float32(scores[0].max())
    np.testing.assert_allclose(scores[0, col], 1.0, rtol=1e-6)
    assert index.item_text(int(best[0, col])) == example


def test_the_13896_label_esco_taxonomy_fits_in_an_index(tmp_path, fake_embedder):
    from evidence_matcher.rubrics.plain_list import import_list_file
    from tests.conftest import SHARED

    labels = SHARED / "datasets" / "esco-skill-extraction" / "skills_en_label.txt"
    if not labels.is_file():
        import pytest

        pytest.skip(f"the ESCO labels are not available at {labels} (../shared/ is absent)")
    rubric = import_list_file(labels, "esco-skills", "ESCO skills", "Skills")
    assert len(rubric.behaviors) == 13_896
    index = load_or_build_rubric_index(rubric, fake_embedder, tmp_path)
    sidecar = read_sidecar(index_path(tmp_path, rubric))
    assert sidecar["count"] == 13_896 and sidecar["index_type"] == "flat-ip"
    query = fake_embedder.encode([rubric.behaviors[41].text])
    scores, best = index.behavior_scores(query)
    assert int(scores[0].argmax()) == 41  # found among all 13,896 through the top-rows path
