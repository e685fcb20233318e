"""The evidence bank: storage, per-rubric views, the neighbour features, and the shipped bank."""

from dataclasses import replace

import numpy as np

from evidence_matcher.eval.corpus import corpus_files, ladder_rubric, load_documents
from evidence_matcher.eval.fit import WITHOUT_BANK_FIELDS, WITHOUT_BANK_RUNNER_UP_MARGIN
from evidence_matcher.matcher.evidence_bank import BANK_NAMES, MIN_ROWS, EvidenceBank, bank_features
from evidence_matcher.matcher.verifier import BANK_COLUMNS, BANK_PATH, PAIR_NAMES, Verifier, candidate_pairs
from tests.conftest import SHARED


def _unit(rng, n, dim=8):
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _bank(rng, n=MIN_ROWS + 10):
    vectors = _unit(rng, n)  # five rows of another rubric follow
    labels = [{"a.1"} if i < 20 else ({"b.1", "a.1"} if i < 25 else set()) for i in range(n)]
    return EvidenceBank.build(np.concatenate([vectors, vectors[:5]]), ["r"] * n + ["other"] * 5, labels + [set()] * 5)


def test_a_bank_round_trips_and_views_one_rubrics_rows(tmp_path):
    bank = _bank(np.random.default_rng(0))
    bank.save(tmp_path / "bank.npz")
    back = EvidenceBank.load(tmp_path / "bank.npz")
    assert np.array_equal(back.vectors, bank.vectors) and back.vectors.dtype == np.int8
    assert list(back.rubric) == list(bank.rubric) and list(back.label_behavior) == list(bank.label_behavior)
    view = back.view("r", ["a.1", "b.1", "c.1"])
    assert view.vectors.shape == (MIN_ROWS + 10, 8)
    assert view.labels.sum(axis=0).tolist() == [25, 5, 0]  # c.1 has no bank evidence; "other" rows left out
    assert [len(m) for m in view.members] == [25, 5, 0]
    assert back.view("other", ["a.1"]) is None  # 5 rows: too few to vote
    keep = np.arange(len(back.rubric)) >= 5  # out of fold: the first 5 rows hidden
    assert back.view("r", ["a.1", "b.1"], keep).labels.sum(axis=0).tolist() == [20, 5]
    assert back.view("r", ["a.1"], np.arange(len(back.rubric)) >= 20) is None  # 40 rows left: too few


def test_bank_features_vote_with_the_nearest_labelled_sentences():
    # Three clusters: a.1 evidence around one direction, b.1 around another, negatives around a third.
    rng = np.random.default_rng(1)
    centres = np.eye(8, dtype=np.float32)[:3]
    vectors = np.repeat(centres, 20, axis=0) + 0.05 * rng.normal(size=(60, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = [{"a.1"}] * 20 + [{"b.1"}] * 20 + [set()] * 20
    view = EvidenceBank.build(vectors, ["r"] * 60, labels).view("r", ["a.1", "b.1", "c.1"])
    query = centres[[0, 2]]  # a sentence like the a.1 evidence, one like the negatives
    rows, cols = np.array([0, 0, 0, 1]), np.array([0, 1, 2, 0])
    vote, best, top3, margin, has = bank_features(view, query, rows, cols).T
    assert vote[0] > 0.99 and vote[1] == 0 and vote[3] == 0  # its neighbours all evidence a.1; the other's none
    assert best[0] > 0.98 and top3[0] <= best[0] and margin[0] == 0  # a.1 is its closest bank evidence
    assert best[1] < 0.3 and margin[1] > 0.7  # b.1's evidence lies far from it
    assert best[2] == -1.0  # no bank evidence of c.1 at all
    assert (has == 1).all()
    assert not bank_features(None, query, rows, cols).any()  # no bank: zeros, has_bank 0
    assert PAIR_NAMES[-len(BANK_NAMES) :] == BANK_NAMES  # the verifier reads them last among its pair features


def test_the_shipped_bank_is_the_corpus_the_verifier_was_trained_on():
    verifier = Verifier.load()
    card = verifier.card["evidence_bank"]
    bank = verifier.bank
    assert bank is not None and (BANK_PATH.parent / card["file"]).is_file()
    assert len(bank.rubric) == card["rows"] and len(set(bank.label_row.tolist())) == card["evidence_rows"]
    assert {r: int((bank.rubric == r).sum()) for r in card["rows_per_rubric"]} == card["rows_per_rubric"]
    if (SHARED / "rubrics").is_dir():  # the public ladders' ids come from ../shared
        ladders = {d.ladder for d in load_documents(corpus_files())}
        assert set(card["rows_per_rubric"]) == {ladder_rubric(ladder).id for ladder in ladders}


def test_the_matcher_reads_the_bank_for_its_ladder_and_none_for_another(real_matcher):
    text = "I led the rollback of the payments deploy and wrote the postmortem the same week."
    index = real_matcher.rubric_index()
    analysis = real_matcher.analyze_many([text], index)[0]
    feats = real_matcher.index_features(index)
    assert feats.bank is not None  # the IC6 ladder has a bank
    batch = candidate_pairs(analysis, text, index, feats, 20)
    first, has = PAIR_NAMES.index("bank_vote"), PAIR_NAMES.index("has_bank")
    assert (batch.scalars[:, has] == 1).all() and batch.scalars[:, PAIR_NAMES.index("bank_best")].max() > 0.3
    # The same text where no bank applies (a ladder the corpus never labelled): zeros, the rest unchanged.
    bare = candidate_pairs(analysis, text, index, replace(feats, bank=None), 20)
    assert not bare.scalars[:, first : has + 1].any()
    assert np.array_equal(bare.scalars[:, :first], batch.scalars[:, :first])


def test_a_ladder_without_bank_rows_is_decided_by_the_fallback_with_its_own_thresholds(real_matcher):
    text = (
        "I led the rollback of the payments deploy and wrote the postmortem the same week.\n\n"
        "I mentored two engineers on the team through their first on-call rotations."
    )
    verifier, params = real_matcher.verifier, real_matcher.params
    assert verifier.fallback is not None and (BANK_PATH.parent / verifier.card["no_bank_fallback"]["file"]).is_file()
    # The fallback reads every feature but those from the bank (its own and the neighbouring sentences' votes):
    # its first layer is that much narrower.
    from_bank = len(verifier.columns) - len(verifier.fallback_columns)
    assert from_bank == len(BANK_COLUMNS) == len(BANK_NAMES) + 3
    assert verifier.fallback["w1"].shape[0] == verifier.weights["w1"].shape[0] - from_bank
    assert set(params.without_bank) == set(WITHOUT_BANK_FIELDS)  # fitted with the dev set read without a bank
    # ...with the runner-up margin chosen on ladders the fallback never trained on; the bank network has none.
    assert params.without_bank["runner_up_margin"] == WITHOUT_BANK_RUNNER_UP_MARGIN and params.runner_up_margin == 0
    index = real_matcher.rubric_index()
    assert real_matcher.params_for(index) == params  # IC6 has bank rows: the bank network and its thresholds
    hidden = real_matcher.without_bank()
    assert hidden.verifier.uses_fallback(hidden.index_features(index))
    assert hidden.params_for(index).threshold == params.without_bank["threshold"]
    with_bank = real_matcher.analyze_many([text], index)[0].evidence
    without = hidden.analyze_many([text], index)[0].evidence
    assert ((with_bank > 0) == (without > 0)).all()  # the same candidates, scored by another network
    assert not np.allclose(with_bank, without)
    assert real_matcher.index_features(index).bank is not None  # hiding it made a copy: the matcher keeps its bank
