import json

import numpy as np
import pytest

from evidence_matcher.errors import DatasetError
from evidence_matcher.eval.dataset import load_dataset, split_of
from evidence_matcher.eval.fit import fit_params
from evidence_matcher.eval.metrics import CitationScores, SetScores, ranking_metrics, sample_counts
from evidence_matcher.index.rubric_index import build_rubric_index
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric
from tests.conftest import ROOT

RUBRIC = load_rubric(DEFAULT_RUBRIC_ID)
DEV = ROOT / "eval" / "datasets" / "ic6-dev.jsonl"


def test_partial_behaviors_are_neither_hits_nor_false_positives():
    counts = sample_counts(predicted={"a.1", "b.1", "c.1"}, gold={"a.1", "d.1"}, partial={"b.1"})
    assert {k: (v.tp, v.fp, v.fn) for k, v in counts.items()} == {"a.1": (1, 0, 0), "c.1": (0, 1, 0), "d.1": (0, 0, 1)}


def test_micro_and_macro():
    scores = SetScores()
    area = {"a.1": "A", "b.1": "B", "c.1": "B"}
    scores.add(sample_counts({"a.1", "b.1"}, {"a.1", "c.1"}, set()), area)
    m = scores.metrics()
    assert m["micro_precision"] == 0.5 and m["micro_recall"] == 0.5 and m["micro_f1"] == 0.5
    assert m["macro_recall"] == 0.5  # a.1 recall 1, c.1 recall 0 (b.1 has no gold support)
    assert scores.breakdown(scores.per_area)["B"]["fp"] == 1


def test_ranking_metrics_definition():
    m = ranking_metrics([["x", "a", "y", "b", "z"]], [{"a", "b"}], ks=(5,))
    assert m["rp@5"] == 1.0  # both golds in the top 5, min(5, 2) = 2
    assert m["mrr"] == 0.5
    assert ranking_metrics([["x"]], [set()]) == {}


def test_citation_precision_counts_overlap_with_gold_spans():
    c = CitationScores()
    c.add("a.1", [(0, 10), (50, 60)], gold_spans=[(5, 20)], scored=True)
    c.add("b.1", [(0, 10)], gold_spans=[], scored=True)  # a false positive's citation
    m = c.metrics()
    assert m["citation_precision"] == 0.5
    assert m["citation_precision_all"] == pytest.approx(1 / 3)
    assert m["citation_recall"] == 1.0


def test_dev_set_meets_its_own_spec():
    samples = load_dataset(DEV, RUBRIC)
    assert len(samples) >= 60
    negatives = [s for s in samples if not s.gold]
    assert len(negatives) >= 8
    coverage = {b.id: sum(b.id in s.gold for s in samples) for b in RUBRIC.behaviors}
    assert min(coverage.values()) >= 2, [b for b, n in coverage.items() if n < 2]
    assert max(len(s.text.split()) for s in samples) <= 1200  # a long promo packet, not a book
    for s in samples:
        for label in s.labels:
            assert label.evidence and all(q in s.text for q in label.evidence)
        # The set is written in people's words, not the rubric's or the examples'.
        for b in RUBRIC.behaviors:
            for example in b.examples:
                assert example not in s.text
    splits = {split_of(s.id) for s in samples}
    assert splits == {"fit", "test"}


def test_the_second_labelling_covers_fit_split_samples_of_the_dev_set_text_for_text():
    from evidence_matcher.eval.agreement import SECOND, paired

    second = load_dataset(SECOND, RUBRIC)
    pairs = paired(load_dataset(DEV, RUBRIC, "fit"), second)
    assert len(pairs) == len(second) >= 60  # only the fit split: the test split is never read to study labels
    assert {a.genre for a, _ in pairs} <= {"incident-review", "promo-doc", "manager-note", "peer-feedback"}


def test_agreement_scores_one_labelling_against_another_like_evidence_eval():
    from evidence_matcher.eval.agreement import agreement, paired
    from evidence_matcher.eval.dataset import Sample

    ref = [
        Sample(id="a", text="t", genre="promo-doc", labels=[{"behavior": "x"}, {"behavior": "y"}], partial=["z"]),
        Sample(id="b", text="u", genre="incident-review"),
    ]
    counts = agreement([{"x", "z"}, {"w"}], ref)  # x hit, y missed, z arguable (not scored), w a false positive
    assert (counts["all"].tp, counts["all"].fp, counts["all"].fn) == (1, 1, 1)
    assert (counts["promo-doc"].tp, counts["promo-doc"].fn, counts["incident-review"].fp) == (1, 1, 1)
    with pytest.raises(ValueError, match="same text"):
        paired(ref, [Sample(id="a", text="changed")])


def _write(tmp_path, rows):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_labels_may_name_behavior_text(tmp_path):
    text = RUBRIC.locate("hiring.1")[2].text
    path = _write(
        tmp_path,
        [{"id": "x", "text": "I ran debriefs.", "labels": [{"behavior": text, "evidence": ["I ran debriefs."]}]}],
    )
    assert load_dataset(path, RUBRIC)[0].gold == {"hiring.1"}


@pytest.mark.parametrize(
    "row, message",
    [
        ({"id": "x", "text": "t", "labels": [{"behavior": "nope.1"}]}, "unknown behavior 'nope.1'"),
        ({"id": "x", "text": "t", "labels": [{"behavior": "hiring.1", "evidence": ["zzz"]}]}, "not verbatim"),
        ({"id": "x"}, "not a valid sample"),
    ],
)
def test_bad_datasets_name_the_line(tmp_path, row, message):
    with pytest.raises(DatasetError, match=message) as info:
        load_dataset(_write(tmp_path, [row]), RUBRIC)
    assert ":1:" in str(info.value)


def test_fit_finds_the_separating_threshold(fake_embedder, tmp_path):
    """On data the fake embedder separates exactly, the fit recovers a perfect F1."""
    hiring = RUBRIC.locate("hiring.1")[2].examples[0]
    rows = [
        {"id": f"pos{i}", "text": hiring, "labels": [{"behavior": "hiring.1", "evidence": [hiring]}]} for i in range(6)
    ] + [{"id": f"neg{i}", "text": "zebra quartz violin nebula", "labels": []} for i in range(6)]
    samples = load_dataset(_write(tmp_path, rows), RUBRIC)
    matcher = Matcher(
        embedder=fake_embedder,
        cache_dir=tmp_path,
        params=DecisionParams(threshold=0.5, max_rank=1, moderate=0.6, strong=0.7),
    )
    index = build_rubric_index(RUBRIC, fake_embedder)
    analyses = matcher.analyze_many([s.text for s in samples], index)
    params, stats = fit_params(samples, analyses, index, "synthetic", fake_embedder.model_id)
    assert stats["fit_micro_f1"] == 1.0
    assert params.max_rank == 1 and 0.25 <= params.threshold <= 1.0
    assert np.isclose(params.strong, 1.0, atol=1e-4)


def test_the_fit_grid_reads_the_same_predictions_from_each_sentences_top_behaviors():
    """fit_params ranks each sentence's behaviors once; what it reads must equal the full evidence mask."""
    import numpy as np

    from evidence_matcher.eval.fit import _predicted, _predicted_from_top, _top_behaviors
    from evidence_matcher.matcher.decision import Analysis

    rng = np.random.default_rng(0)
    ids = [f"b.{i}" for i in range(40)]
    for _ in range(50):
        support = np.round(rng.uniform(0, 1, size=(int(rng.integers(1, 6)), 40)), 2).astype(np.float32)  # ties too
        analysis = Analysis([], np.zeros((len(support), 2), dtype=np.float32), support, np.zeros_like(support))
        top = _top_behaviors(support, 5)
        for max_rank in (1, 2, 3, 5):
            for threshold in (0.3, 0.5, 0.9):
                assert _predicted_from_top(top, ids, threshold, max_rank) == set(
                    _predicted(analysis, ids, threshold, max_rank)
                )
