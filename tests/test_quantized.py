"""The int8 ONNX backend (EVIDENCE_BACKEND=onnx-int8): close to fp32, but a different model.

Uses the bundled base model (no rubric adaptation) so that it runs on its own in well under a
minute: one ONNX export and one quantization into the session's cache directory.
"""

import numpy as np
import pytest

from evidence_matcher.index.embedders import load_embedder, small_model_dir
from evidence_matcher.matcher.decision import PARAMS_PATH, load_params, params_path
from evidence_matcher.matcher.engine import Matcher

pytestmark = pytest.mark.slow
SENTENCES = [
    "I led the migration of 40 services to the new region in Q3.",
    "I mentored two senior engineers through their first incident command rotations.",
    "After the March outage I went through eighteen months of postmortems and found that a third of our sev-1s "
    "started with a config push; I proposed a staged rollout gate.",
    "Café, naïve — “quotes” and emoji 🚀 too.",
]
TINY = "ok"  # three tokens: quantization moves it most (cosine 0.94 with the base model)


@pytest.fixture(scope="module")
def embedders(cache_dir):
    fp32 = load_embedder(small_model_dir(), cache_dir, "onnx")
    int8 = load_embedder(small_model_dir(), cache_dir, "onnx-int8")
    return fp32, int8


def test_int8_vectors_are_close_to_fp32(embedders):
    fp32, int8 = embedders
    expected, got = fp32.encode(SENTENCES), int8.encode(SENTENCES)
    assert got.shape == expected.shape == (len(SENTENCES), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, rtol=1e-5)
    cosine = (got * expected).sum(axis=1)
    assert cosine.min() > 0.95, cosine
    assert float((int8.encode([TINY]) * fp32.encode([TINY])).sum()) > 0.9
    assert not np.array_equal(got, expected)  # it really is the quantized graph


def test_int8_is_a_different_model_for_indexes_and_thresholds(embedders, cache_dir):
    fp32, int8 = embedders
    assert int8.model_id == fp32.model_id + "+onnx-int8"
    assert int8.fingerprint != fp32.fingerprint  # so a rubric index built with one is rebuilt for the other
    quantized = sorted((cache_dir / "onnx").glob("*.int8-*.onnx"))

    def size(graph):  # the graph file and its weights beside it (embedders.save_with_external_weights)
        return graph.stat().st_size + graph.with_name(graph.name + ".data").stat().st_size

    assert len(quantized) == 1
    assert size(quantized[0]) < 0.9 * size(cache_dir / "onnx" / (quantized[0].name.split(".")[0] + ".onnx"))
    # Loading again reuses the cached quantized graph.
    again = load_embedder(small_model_dir(), cache_dir, "onnx-int8")
    assert again.fingerprint == int8.fingerprint
    assert sorted((cache_dir / "onnx").glob("*.int8-*.onnx")) == quantized


def test_each_backend_loads_its_own_fitted_thresholds(cache_dir):
    assert params_path("onnx") == params_path("auto") == PARAMS_PATH
    assert (
        load_params().decision == "verifier" and load_params(params_path("onnx", adapt=True)).decision == "similarity"
    )
    int8_params = load_params(params_path("onnx-int8"))
    assert params_path("onnx-int8") != PARAMS_PATH
    assert int8_params.model_id.endswith("+onnx-int8")  # fitted on the quantized model's vectors
    assert "split=fit" in int8_params.fitted_on
    assert Matcher.load(cache_dir=cache_dir, backend="onnx-int8").params == int8_params
    assert Matcher.load(cache_dir=cache_dir, backend="onnx").params == load_params()


def test_int8_vectors_of_a_text_do_not_depend_on_what_was_sent_with_it(embedders, cache_dir):
    """int8 quantizes activations with one scale per batch: each text is batched on its own, so the
    server gives a text the same result however busy it is."""
    _, int8 = embedders
    assert not int8.batch_invariant
    others = [[f"Sentence {i} about on-call load and paging budgets for the storage team." for i in range(40)], ["ok"]]
    alone = int8.encode_groups([SENTENCES])[0]
    for groups in ([SENTENCES, *others], [*others, SENTENCES], [others[0], SENTENCES]):
        got = int8.encode_groups(groups)[groups.index(SENTENCES)]
        assert np.array_equal(got, alone)
    mixed = int8.encode([*SENTENCES, *others[0]])[: len(SENTENCES)]  # one list is one text: batch-mates move it
    assert not np.array_equal(mixed, alone) and (mixed * alone).sum(axis=1).min() > 0.97


def test_an_int8_match_is_the_same_alone_and_in_a_micro_batch(cache_dir):
    matcher = Matcher.load(cache_dir=cache_dir, backend="onnx-int8", adapt=False)
    text = (
        "- I led the migration of 40 services to the new region in Q3.\n"
        "- I mentored two senior engineers through their first incident command rotations."
    )
    other = "I rewrote the paging policy for the storage team and cut after-hours pages by half over two quarters."
    alone = matcher.match(text)
    assert alone.matches  # something to compare: scores, strengths and citations
    in_batch = matcher.match_many([other, text, other * 3])[1]
    assert in_batch.model_dump() == alone.model_dump()


def test_each_architecture_gets_the_int8_recipe_measured_for_it(tmp_path):
    """MiniLM's recipe keeps three FFN outputs fp32; on mpnet it wrecked the vectors (cosine 0.70), so mpnet keeps
    every layer's FFN output fp32 (0.983; eval.base_model_int8). An architecture nobody measured is refused."""
    import json
    import re

    from evidence_matcher.errors import ModelError
    from evidence_matcher.index.embedders import INT8_RECIPE, int8_recipe

    assert int8_recipe(small_model_dir()) is INT8_RECIPE
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mpnet"}))
    mpnet = int8_recipe(tmp_path)
    kept = [
        n
        for n in ("/model/encoder/layer.7/output/dense/MatMul", "/model/encoder/layer.7/attention/attn/o/MatMul")
        if any(re.search(p, n) for p in mpnet["exclude"])
    ]
    assert kept == ["/model/encoder/layer.7/output/dense/MatMul"] and mpnet["ops"] == INT8_RECIPE["ops"]
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "deberta-v2"}))
    with pytest.raises(ModelError, match="no int8 recipe measured for deberta-v2"):
        int8_recipe(tmp_path)


def test_an_export_keeps_its_weights_beside_the_graph_and_an_interrupted_save_leaves_no_graph(tmp_path, monkeypatch):
    """onnxruntime memory-maps weights kept outside the graph (a cold start's second most costly step otherwise):
    the saved graph runs as the original does, and an interrupted save leaves no graph for load_embedder to find."""
    import os

    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    from evidence_matcher.index.embedders import save_with_external_weights

    weight = np.random.default_rng(0).normal(size=(64, 64)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])],
        [numpy_helper.from_array(weight, "w")],
    )
    src, out = tmp_path / "src.onnx", tmp_path / "cache" / "model.onnx"
    out.parent.mkdir()
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(src))
    save_with_external_weights(src, out)
    weights = out.parent / "model.onnx.data"
    assert weights.stat().st_size == weight.nbytes and out.stat().st_size < 1024
    assert weights.stat().st_mode & 0o777 == out.stat().st_mode & 0o777  # readable wherever the graph is
    x = np.ones((1, 64), np.float32)
    run = [onnxruntime.InferenceSession(str(p)).run(None, {"x": x})[0] for p in (src, out)]
    np.testing.assert_array_equal(run[0], run[1])
    # Interrupted between the weights' rename and the graph's: no graph, so the export is redone next time.
    real_replace = os.replace

    def interrupted(src_path, dst_path):
        if str(dst_path).endswith("other.onnx"):
            raise KeyboardInterrupt
        real_replace(src_path, dst_path)

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_with_external_weights(src, tmp_path / "cache" / "other.onnx")
    monkeypatch.undo()
    left = sorted(p.name for p in out.parent.iterdir())
    assert "other.onnx" not in left and not [name for name in left if name.endswith(".tmp")]
