"""The verifier, its corpus, the shipped parameters, per-genre metrics and the oracle judge."""

import json
from pathlib import Path

import numpy as np
import pytest

from evidence_matcher.errors import DatasetError, EvidenceError, ModelError
from evidence_matcher.eval.corpus import Document, corpus_files, corpus_sha256, labelled_segments, load_documents
from evidence_matcher.eval.dataset import Label, Sample, load_dataset
from evidence_matcher.eval.metrics import genre_metrics, strength_precision
from evidence_matcher.eval.oracle import OracleChatModel, OracleErrors, _missed, oracle_judge, parse_oracle
from evidence_matcher.eval.run import SampleResult, evaluate
from evidence_matcher.index.encoder import TAXONOMY_ENCODER_DIR, adapter_base, adapter_fingerprint
from evidence_matcher.matcher.decision import DecisionParams, load_params, params_path
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.profiles import PROFILES
from evidence_matcher.matcher.segment import segment_text
from evidence_matcher.matcher.structure import HEADING_KINDS, STRUCT_NAMES, heading_kind, segment_structure
from evidence_matcher.matcher.verifier import (
    FEATURE_NAMES,
    NEIGHBOUR_NAMES,
    PAIR_NAMES,
    Verifier,
    neighbour_features,
)
from tests.conftest import ROOT, SHARED, FakeEmbedder

DEV = ROOT / "eval" / "datasets" / "ic6-dev.jsonl"
INCIDENT = """# Incident 4412: checkout errors in us-east-1
Severity: SEV3 | Date: 2024-06-04 | Owner: Build & Release

## Summary
The API gateway in every region checks a per-merchant rate limit in a Redis cluster that lives in us-east-1.
No production deploys landed for about three hours.

## Timeline
- 14:02 Alerts fired for the checkout error rate.
- 14:40 The cloud provider restored the Redis cluster's primary node.

## Follow-up questions
How could time to detection be improved?
"""


def _feature(row: np.ndarray, name: str) -> float:
    return float(row[STRUCT_NAMES.index(name)])


def test_structure_reads_section_voice_tense_and_shape():
    text = (
        "## Timeline\n- 14:02 We rolled back the deploy.\n\n"
        "## Action items\nWe will add a canary to the rotation job.\n\n"
        "I asked three peers for feedback every month?\n"
    )
    segments = segment_text(text)
    rows = segment_structure(text, segments)
    assert rows.shape == (3, len(STRUCT_NAMES))
    assert heading_kind("Timeline") == 0 and heading_kind("Action items") == [n for n, _ in HEADING_KINDS].index(
        "actions"
    )
    assert (
        _feature(rows[0], "heading:timeline") == 1
        and _feature(rows[0], "timestamp") == 1
        and _feature(rows[0], "we") == 1
    )
    assert _feature(rows[0], "list_item") == 1
    assert _feature(rows[1], "heading:actions") == 1 and _feature(rows[1], "future") == 1
    assert _feature(rows[2], "starts_with_i") == 1 and _feature(rows[2], "question") == 1
    assert segment_structure("", []).shape == (0, len(STRUCT_NAMES))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_shipped_parameters_come_from_the_corpus_in_the_repository(profile):
    """Each profile's verifier and encoder record the corpus they were trained on: it is this one (for
    the encoder, the part of it its recipe reads); the verifier and its thresholds name the encoder
    whose vectors they read."""
    from evidence_matcher.eval.encoder_train import VERIFIER_ONLY, encoder_corpus

    chosen = PROFILES[profile]
    files = corpus_files()
    verifier = Verifier.load(chosen.verifier_dir)
    encoder = json.loads((chosen.encoder_dir / "card.json").read_text())
    assert verifier.card["corpus_sha256"] == corpus_sha256(files)
    assert encoder["corpus_sha256"] == corpus_sha256(encoder_corpus(files))
    assert len(files) - len(encoder_corpus(files)) == len(VERIFIER_ONLY)  # each named file is in the corpus
    assert verifier.card["pair_features"] == PAIR_NAMES and verifier.card["structure_features"] == list(STRUCT_NAMES)
    assert verifier.card["neighbour_features"] == NEIGHBOUR_NAMES
    assert verifier.card["base_model"].endswith(
        f"+evidence-encoder:{adapter_fingerprint(chosen.encoder_dir)}"
    )  # trained on this adapter's vectors
    dim = {"all-mpnet-base-v2": 768, "all-MiniLM-L6-v2": 384}[adapter_base(chosen.encoder_dir)]
    assert verifier.weights["w1"].shape[0] == 2 * dim + len(FEATURE_NAMES) == 2 * dim + len(verifier.columns)
    assert (verifier.fallback is not None) == chosen.fallback
    params = load_params(params_path(stem=chosen.thresholds))
    assert params.decision == "verifier" and "split=fit" in params.fitted_on
    # Thresholds are fitted for one model's probabilities: refit with the weights they decide on.
    assert params.model_id == verifier.card["base_model"]
    int8 = load_params(params_path("onnx-int8", stem=chosen.thresholds))
    assert int8.model_id == verifier.card["base_model"] + "+onnx-int8"


def test_everything_the_product_trained_fits_the_25_mb_budget():
    """Every profile's encoder adapter and verifier, and the skill-taxonomy encoder: 25 MB in all."""
    folders = {TAXONOMY_ENCODER_DIR} | {d for p in PROFILES.values() for d in (p.encoder_dir, p.verifier_dir)}
    assert sum(f.stat().st_size for folder in folders for f in folder.iterdir()) < 25_000_000


def test_a_pair_reads_the_same_behaviors_score_and_vote_on_the_sentences_around_it():
    # three sentences; behavior 0 is a candidate of all three, behavior 1 of the middle one only
    rows, cols = np.array([0, 1, 1, 2]), np.array([0, 0, 1, 0])
    score, vote = np.array([0.5, 0.6, 0.7, 0.4]), np.array([0.9, 0.1, 0.8, 0.3])
    near = dict(zip(NEIGHBOUR_NAMES, neighbour_features((3, 2), rows, cols, score, vote).T, strict=True))
    assert near["prev_score"].tolist() == pytest.approx([0.0, 0.5, 0.0, 0.6])  # the first sentence has none before
    assert near["next_vote"].tolist() == pytest.approx([0.1, 0.3, 0.0, 0.0])  # behavior 1 was not the third's candidate
    assert near["near_score"].tolist() == pytest.approx([0.6, 0.5, 0.0, 0.6])
    assert near["near_vote"].tolist() == pytest.approx([0.1, 0.9, 0.0, 0.1])


def test_a_verifier_reads_only_the_features_its_card_names():
    """A verifier trained before the neighbour features existed still loads and reads the columns it knows."""
    old = Verifier({}, {"pair_features": PAIR_NAMES, "structure_features": list(STRUCT_NAMES)})
    assert old.columns == list(range(len(PAIR_NAMES) + len(STRUCT_NAMES)))
    new = Verifier(
        {}, {"pair_features": PAIR_NAMES, "structure_features": STRUCT_NAMES, "neighbour_features": NEIGHBOUR_NAMES}
    )
    assert [FEATURE_NAMES[c] for c in new.columns] == FEATURE_NAMES
    with pytest.raises(ModelError, match="does not compute: sentiment"):
        _ = Verifier({}, {"pair_features": [*PAIR_NAMES, "sentiment"]}).columns


def test_each_feature_experiment_adds_its_group_to_the_features_before_it():
    from evidence_matcher.eval.feature_groups import COLUMNS, COMPETITION_NAMES, SUBJECT_NAMES, arms

    without, with_ = arms("neighbour")
    assert [COLUMNS[c] for c in without] == [*PAIR_NAMES, *STRUCT_NAMES]
    assert [COLUMNS[c] for c in with_] == FEATURE_NAMES  # the shipped inputs
    without, with_ = arms("competition")
    assert [COLUMNS[c] for c in without] == FEATURE_NAMES
    assert [COLUMNS[c] for c in with_] == [*FEATURE_NAMES, *COMPETITION_NAMES]
    without, with_ = arms("subject")  # against the shipped features: competition was not kept
    assert [COLUMNS[c] for c in without] == FEATURE_NAMES
    assert [COLUMNS[c] for c in with_] == [*FEATURE_NAMES, *SUBJECT_NAMES]


def test_the_competition_experiment_reads_the_banks_votes_for_a_sentences_other_candidates():
    from evidence_matcher.eval.feature_groups import COMPETITION_NAMES, competition_features

    # two sentences; behaviors 0 and 1 candidates of the first, 0 and 2 of the second
    rows, cols = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 2])
    vote = np.array([0.2, 0.5, 0.6, 0.1])
    contest = dict(zip(COMPETITION_NAMES, competition_features(rows, cols, vote).T, strict=True))
    assert contest["vote_rank"].tolist() == pytest.approx([1.0, 0.0, 0.0, 1.0])
    assert contest["vote_gap"].tolist() == pytest.approx([0.3, 0.0, 0.0, 0.5], abs=1e-6)
    assert contest["sentence_vote"].tolist() == pytest.approx([0.7, 0.7, 0.7, 0.7])
    assert contest["doc_vote_gap"].tolist() == pytest.approx([0.4, 0.0, 0.0, 0.0], abs=1e-6)  # behavior 0's best is 0.6


def test_the_experiment_columns_are_computed_within_each_document():
    from types import SimpleNamespace

    from evidence_matcher.eval.feature_groups import COLUMNS, COMPETITION_NAMES, all_columns, competition_features

    vote = np.array([0.2, 0.9, 0.5, 0.6])
    scalars = np.zeros((4, len(FEATURE_NAMES)), np.float32)
    scalars[:, FEATURE_NAMES.index("bank_vote")] = vote
    # documents 0 and 1 interleaved; each has one sentence with two candidates
    pairs = SimpleNamespace(
        doc=np.array([0, 1, 0, 1]), rows=np.zeros(4, int), cols=np.array([0, 0, 1, 1]), scalars=scalars
    )
    texts = ["Dana rebuilt the pager rotation with Omar. Then Dana wrote the runbook.", "I fixed the build."]
    out = all_columns(pairs, texts)
    assert out.shape == (4, len(COLUMNS)) and np.array_equal(out[:, : len(FEATURE_NAMES)], scalars)
    contest = slice(len(FEATURE_NAMES), len(FEATURE_NAMES) + len(COMPETITION_NAMES))
    for doc in (0, 1):
        m = pairs.doc == doc
        assert np.allclose(out[m, contest], competition_features(pairs.rows[m], pairs.cols[m], vote[m]), atol=1e-6)
    subject = out[:, contest.stop :]  # each pair reads its own document's first sentence
    assert subject[pairs.doc == 0].tolist() == [[1.0, 1.0, 1.0]] * 2  # Dana, and Omar beside her
    assert subject[pairs.doc == 1].tolist() == [[0.0, 0.0, 0.0]] * 2


def test_each_shape_experiment_changes_one_thing_of_what_the_verifier_reads():
    from types import SimpleNamespace

    from evidence_matcher.eval.verifier_shape import VARIANTS, behavior_vectors, variant_inputs

    sentence = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32)
    text_vecs = {"ic6": np.array([[0.0, 1.0], [1.0, 0.0]], np.float32), "ft": np.array([[0.8, 0.6]], np.float32)}
    # pairs of two documents on two ladders; the dense inputs are the sentence and its product with the behavior
    pairs = SimpleNamespace(doc=np.array([0, 0, 1]), cols=np.array([1, 0, 0]), ladder=["ic6", "ft"], y=np.zeros(3))
    behavior = behavior_vectors(SimpleNamespace(**vars(pairs), dense=np.zeros((3, 4))), text_vecs)
    assert np.allclose(behavior, [[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]])
    pairs.dense = np.concatenate([sentence, sentence * behavior], axis=1)
    pairs.scalars = np.arange(3 * len(FEATURE_NAMES), dtype=np.float32).reshape(3, -1)
    recipe = {"hidden": 256, "ensemble": 3}
    shipped = variant_inputs("shipped", pairs, text_vecs, recipe)
    assert shipped[0] is pairs.dense and shipped[1] is pairs.scalars and shipped[2] == recipe
    assert variant_inputs("wider", pairs, text_vecs, recipe)[2] == {"hidden": 512, "ensemble": 3}
    assert variant_inputs("more-networks", pairs, text_vecs, recipe)[2] == {"hidden": 256, "ensemble": 6}
    dense, _, _ = variant_inputs("behavior-vector", pairs, text_vecs, recipe)
    assert np.array_equal(dense, np.concatenate([pairs.dense, behavior], axis=1))
    dense, _, _ = variant_inputs("difference", pairs, text_vecs, recipe)
    assert np.allclose(dense[:, 4:], [[0.0, 0.0], [0.0, 0.0], [0.2, 0.2]])
    _, scalars, _ = variant_inputs("no-doc-rank", pairs, text_vecs, recipe)
    kept = [n for n in FEATURE_NAMES if n not in ("doc_rank", "doc_gap")]
    assert np.array_equal(scalars, pairs.scalars[:, [FEATURE_NAMES.index(n) for n in kept]])
    assert set(VARIANTS) == {"wider", "more-networks", "behavior-vector", "difference", "no-doc-rank"}
    with pytest.raises(ValueError, match="unknown variant 'deeper'"):
        variant_inputs("deeper", pairs, text_vecs, recipe)


def test_the_verifier_only_decides_on_the_vectors_it_was_trained_on():
    verifier = Verifier.load()

    class Encoder:
        model_id, dim = verifier.card["base_model"] + "+onnx-int8", 768

    assert verifier.fits(Encoder())
    assert not verifier.fits(FakeEmbedder())  # another model: decided by similarity


def test_the_corpus_is_large_balanced_and_every_quote_verbatim():
    if not (SHARED / "rubrics").is_dir():
        pytest.skip(f"the corpus's public ladders are imported from {SHARED / 'rubrics'}, which is absent")
    docs = load_documents(corpus_files())
    segments = [s for d in docs for s in labelled_segments(d)[0]]
    positives = [s for s in segments if s.behaviors]
    assert len(segments) >= 4000 and len(segments) - len(positives) >= len(segments) / 2
    assert {d.ladder for d in docs} >= {"ic6", "ft-engineer", "kensho-staff-sre"}
    assert all(s.actor == "subject" for s in positives)
    kinds = {s.kind for s in segments if not s.behaviors}
    assert kinds >= {"system", "metadata", "timeline", "consequence", "plan", "other-deed", "rubric-words", "template"}
    # The held-apart ladder and its neighbours of the same track are never trained on.
    assert not {d.ladder for d in docs} & {
        "dropbox-ic3-reliability",
        "dropbox-ic4-reliability",
        "dropbox-ic5-reliability",
    }
    # Kept apart: no document of the held-apart set or the dev set is in the corpus.
    texts = {d.text for d in docs}
    assert not texts & {json.loads(line)["text"] for line in DEV.read_text().splitlines() if line.strip()}


def test_a_corpus_document_becomes_a_dev_set_sample_that_evidence_eval_scores(tmp_path, capsys):
    """``python -m evidence_matcher.eval.corpus --as-dataset FILE``: documents written for training
    and never trained on (eval/datasets/not-kept/) are scored like the dev set."""
    from evidence_matcher.eval.corpus import ladder_rubric, main

    doc = {
        "id": "n-1",
        "ladder": "ic6",
        "genre": "incident-review",
        "text": "Severity: SEV2. Ana paged the database team. Ana chose to fail over and wrote why in the channel.",
        "segments": [
            {"quote": "Severity: SEV2.", "behaviors": [], "actor": "none", "kind": "metadata"},
            {"quote": "Ana paged the database team.", "behaviors": [], "actor": "subject", "kind": "deed"},
            {
                "quote": "Ana chose to fail over and wrote why in the channel.",
                "behaviors": ["decision-making.1", "communication.1"],
                "actor": "subject",
                "kind": "deed",
            },
        ],
    }
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    assert main(["--as-dataset", str(path)]) == 0
    out = tmp_path / "samples.jsonl"
    out.write_text(capsys.readouterr().out)
    (sample,) = load_dataset(out, ladder_rubric("ic6"))  # the bundled IC6: no ../shared needed
    assert sample.genre == "incident-review" and sample.gold == {"decision-making.1", "communication.1"}
    start = doc["text"].index("Ana chose")
    assert sample.spans("communication.1") == [(start, len(doc["text"]))]


def test_corpus_errors_name_the_file_line_and_problem(tmp_path):
    good = {
        "id": "x-1",
        "ladder": "ic6",
        "genre": "self-review",
        "text": "I ran the hiring committee for senior SREs.",
        "segments": [
            {
                "quote": "I ran the hiring committee for senior SREs.",
                "behaviors": ["hiring.1"],
                "actor": "subject",
                "kind": "deed",
            }
        ],
    }
    path = tmp_path / "c.jsonl"
    cases = [
        ({**good, "segments": [{**good["segments"][0], "quote": "I ran it."}]}, "not verbatim"),
        ({**good, "segments": [{**good["segments"][0], "behaviors": ["nope.1"]}]}, "unknown behavior 'nope.1'"),
        ({**good, "segments": [{**good["segments"][0], "actor": "other"}]}, "actor is 'other'"),
        ({**good, "ladder": "nope"}, "unknown ladder"),
    ]
    for doc, message in cases:
        path.write_text(json.dumps(doc) + "\n")
        with pytest.raises(DatasetError, match=message):
            load_documents([path])
    path.write_text(json.dumps(good) + "\n")
    (doc,) = load_documents([path])
    (seg,), uncovered = labelled_segments(Document.model_validate(good))
    assert seg.behaviors == {"hiring.1"} and uncovered == 0 and doc.id == "x-1"


def test_excerpts_are_short_texts_cut_from_a_document_with_its_labels():
    from evidence_matcher.eval.verifier_train import excerpts

    quotes = [
        ("Summary: the ledger lagged for an hour.", [], "none", "consequence"),
        ("I traced the lag to a vacuum freeze on the largest partitions.", ["impact-levers.1"], "subject", "deed"),
        ("Ana restarted the replicas.", [], "other", "other-deed"),
        ("I mentored two engineers through their first incident command.", ["talent-development.2"], "subject", "deed"),
    ]
    doc = Document(
        id="d-1",
        ladder="ic6",
        genre="incident-review",
        text=" ".join(q for q, *_ in quotes),
        segments=[{"quote": q, "behaviors": b, "actor": a, "kind": k} for q, b, a, k in quotes],
    )
    short, source = excerpts([doc, doc.model_copy(update={"id": "d-2"})], per_document=4, sizes=[1, 2, 3], seed=0)
    assert source == [0] * 4 + [1] * 4 and excerpts([doc], 4, [1, 2, 3], 0)[0] == short[:4]  # seeded
    labels = {q: set(b) for q, b, *_ in quotes}
    for piece in short:
        lines = piece.text.split("\n")
        assert 1 <= len(lines) <= 3 and " ".join(lines) in doc.text  # consecutive sentences, one per line
        segs, uncovered = labelled_segments(piece)
        assert uncovered == 0 and [s.quote for s in segs] == lines
        assert all(set(s.behaviors) == labels[s.quote] for s in segs)


def test_eval_reports_metrics_per_genre(tmp_path):
    matcher = Matcher(
        embedder=FakeEmbedder(),
        cache_dir=tmp_path,
        params=DecisionParams(threshold=0.5, max_rank=1, moderate=0.6, strong=0.7),
    )
    index = matcher.rubric_index()
    hiring = (
        "I am an active participant in the hiring process for senior candidates "
        "(for example, by participating in hiring committee, debriefs etc)"
    )
    samples = [
        Sample(id="a", genre="self-review", text=hiring, labels=[Label(behavior="hiring.1", evidence=[hiring])]),
        Sample(id="b", genre="incident-review", text="The gateway checks a per-merchant rate limit in Redis."),
    ]
    record = evaluate(matcher, samples, index, DEV, "all")
    assert set(record.per_genre) == {"self-review", "incident-review"}
    assert (
        record.per_genre["self-review"]["micro_f1"] == 1.0 and record.per_genre["incident-review"]["abstention"] == 1.0
    )
    assert genre_metrics(record.results) == record.per_genre
    assert record.results[0].strengths == {"hiring.1": "strong"} and record.metrics["precision.strong"] == 1.0


def test_precision_per_strength_scores_gold_flags_and_skips_arguable_ones():
    def result(strengths, gold, partial=()):
        return SampleResult(
            id="x",
            predicted=sorted(strengths),
            gold=gold,
            partial=list(partial),
            false_positives=[],
            false_negatives=[],
            citations={},
            ranked=[],
            strengths=strengths,
        )

    results = [
        result({"a.1": "strong", "b.1": "weak", "c.1": "weak"}, gold=["a.1", "c.1"]),
        result({"a.1": "strong", "d.1": "weak", "e.1": "moderate"}, gold=[], partial=["e.1"]),
    ]
    # strong: 1 of 2 gold; weak: 1 of 3; moderate: only an arguable flag, so no figure at all
    assert strength_precision(results) == {"precision.strong": 0.5, "precision.weak": 1 / 3}


@pytest.mark.slow
def test_an_incident_reviews_systems_metadata_timeline_and_questions_are_not_evidence(real_matcher):
    """The independent check's false positives: none of these lines shows what anyone did well."""
    result = real_matcher.match(INCIDENT)
    assert result.matches == []
    assert len(result.gaps) == 53


@pytest.mark.slow
def test_the_first_run_adapts_nothing(real_matcher, cache_dir):
    real_matcher.match("I sat on the hiring committee for senior SRE candidates and ran debriefs for eleven loops.")
    models = cache_dir / "models"
    names = [p.name for p in models.iterdir() if p.is_dir()]
    # the merged shipped adapters only (the taxonomy encoder when a test matched a taxonomy): nothing tuned
    assert any(n.startswith("evidence-encoder-") for n in names), names
    assert all(n.startswith(("evidence-encoder-", "taxonomy-encoder-")) for n in names), names


@pytest.mark.slow
def test_the_oracle_judge_keeps_only_gold_with_gold_citations(real_matcher):
    index = real_matcher.rubric_index()
    samples = [s for s in load_dataset(DEV, index.rubric, "test") if s.labels][:6]
    judged = Matcher(**{**real_matcher.__dict__, "judge": oracle_judge(samples)})
    record = evaluate(judged, samples, index, DEV, "test")
    assert record.judge.startswith("llm:oracle")
    assert record.metrics["micro_precision"] == 1.0 and record.metrics["citation_precision"] == 1.0
    assert record.metrics["micro_recall"] >= 0.8


@pytest.mark.slow
def test_concurrent_merges_of_the_encoder_leave_one_complete_model(tmp_path):
    """Ray actors, a server and a CLI may all start on a fresh cache at once."""
    from concurrent.futures import ThreadPoolExecutor

    from evidence_matcher.index.embedders import small_model_dir
    from evidence_matcher.index.encoder import MARKER, TAXONOMY_ENCODER_DIR, ensure_merged_model

    def merge(_):  # the small model's adapter: the mechanics are every adapter's, the small one is quick
        return ensure_merged_model(small_model_dir(), tmp_path, TAXONOMY_ENCODER_DIR)

    with ThreadPoolExecutor(max_workers=2) as pool:
        outs = list(pool.map(merge, range(2)))
    assert outs[0] == outs[1] and (outs[0] / MARKER).is_file() and (outs[0] / "config.json").is_file()
    assert [p.name for p in (tmp_path / "models").iterdir()] == [outs[0].name]  # no temporary folder left behind


def test_an_ensemble_ships_as_one_wider_network_with_the_members_mean_logit():
    from evidence_matcher.eval.verifier_train import RECIPE, predict, train_ensemble, train_mlp

    rng = np.random.default_rng(0)
    dense, scalars = rng.normal(size=(300, 6)).astype(np.float32), rng.normal(size=(300, 3)).astype(np.float32)
    y = (dense[:, 0] + scalars[:, 0] > 0).astype(np.float32)
    recipe = {**RECIPE, "epochs": 2, "hidden": 8, "ensemble": 3}
    merged = train_ensemble(dense, scalars, y, recipe)
    members = [train_mlp(dense, scalars, y, {**recipe, "seed": recipe["seed"] + k}) for k in range(3)]

    def logit(weights):
        p = predict(weights, dense, scalars).astype(np.float64)
        return np.log(p / (1 - p))

    assert merged["w1"].shape == (9, 24)
    assert np.allclose(logit(merged), np.mean([logit(m) for m in members], axis=0), atol=1e-4)


def test_the_shipped_weights_are_stored_at_half_precision_and_decide_as_before(tmp_path):
    """``save_weights`` keeps the first layer's matrix as float16 (the 25 MB budget); read back, it is
    float32 again and the probabilities move by far less than the threshold grid's step (0.01)."""
    from evidence_matcher.eval.verifier_train import RECIPE, predict, train_ensemble
    from evidence_matcher.matcher.verifier import _load_weights, save_weights

    rng = np.random.default_rng(0)
    dense, scalars = rng.normal(size=(500, 64)).astype(np.float32), rng.normal(size=(500, 5)).astype(np.float32)
    y = (dense[:, 0] - scalars[:, 1] > 0).astype(np.float32)
    weights = train_ensemble(dense, scalars, y, {**RECIPE, "epochs": 2, "hidden": 16, "ensemble": 2})
    save_weights(tmp_path / "w.npz", weights)
    with np.load(tmp_path / "w.npz") as stored:
        assert stored["w1"].dtype == np.float16 and stored["scalar_std"].dtype == np.float32
    again = _load_weights(tmp_path / "w.npz")
    assert all(v.dtype == np.float32 for v in again.values())
    assert np.abs(predict(again, dense, scalars) - predict(weights, dense, scalars)).max() < 1e-3


def test_cross_validation_counts_document_level_hits_like_a_loop_over_documents():
    from evidence_matcher.eval.verifier_train import PairSet, doc_f1

    rng = np.random.default_rng(0)
    n = 4000
    docs, cols, prob = rng.integers(0, 50, n), rng.integers(0, 30, n), rng.random(n)
    gold = [set(rng.choice(30, rng.integers(0, 4), replace=False).tolist()) for _ in range(50)]
    zeros = np.zeros(n)
    pairs = PairSet(zeros, zeros, zeros, docs, docs, zeros.astype(bool), zeros, cols, zeros, zeros, gold, [], [], 0.0)

    def by_loop(mask, threshold):
        tp = fp = fn = 0
        for d in np.unique(docs[mask]):
            predicted = set(cols[mask & (docs == d) & (prob >= threshold)].tolist())
            tp, fp, fn = tp + len(predicted & gold[d]), fp + len(predicted - gold[d]), fn + len(gold[d] - predicted)
        p, r = tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    for threshold in (0.1, 0.5, 0.9):
        for mask in (docs < 25, docs % 2 == 0, np.ones(n, bool)):
            assert np.allclose(doc_f1(pairs, prob, mask, threshold), by_loop(mask, threshold))


def test_the_context_head_experiment_sets_each_pair_against_its_sentence_and_its_behavior():
    from evidence_matcher.eval.context_head import CONTEXT_NAMES, context_features

    # One document, three sentences, candidates over four behaviors.
    rows = np.array([0, 0, 1, 1, 2, 2])
    cols = np.array([0, 1, 0, 2, 3, 1])
    prob = np.array([0.9, 0.6, 0.3, 0.8, 0.1, 0.2], dtype=np.float32)
    feats = dict(zip(CONTEXT_NAMES, context_features(rows, cols, prob, 3).T, strict=True))

    def p(logit):
        return 1 / (1 + np.exp(-logit))

    # sentence 0's behavior 0 (0.9): the best other behavior of its sentence is 0.6, the best
    # other sentence for behavior 0 is sentence 1 (0.3); it ranks first in both.
    assert np.allclose(p(feats["sentence_best_other"][:2]), [0.6, 0.9], atol=1e-4)
    assert np.allclose(p(feats["behavior_best_other"][[0, 2]]), [0.3, 0.9], atol=1e-4)
    assert np.allclose(np.expm1(feats["sentence_rank"][:2]), [0, 1]) and np.expm1(feats["behavior_rank"][2]) == 1
    assert np.allclose(np.expm1(feats["sentence_count"]), [2, 2, 1, 1, 0, 0])  # pairs >= 0.5 in the sentence
    assert np.allclose(p(feats["neighbour_best"]), [0.8, 0.8, 0.9, 0.9, 0.8, 0.8], atol=1e-4)
    assert np.allclose(feats["doc_evidence_share"], 2 / 3)
    assert np.allclose(p(feats["behavior_noisy_or"][0]), 1 - 0.1 * 0.7, atol=1e-4)
    assert context_features(rows[:0], cols[:0], prob[:0], 0).shape == (0, len(CONTEXT_NAMES))


def test_the_runner_up_rule_holds_a_sentences_other_behaviors_to_a_higher_bar():
    from evidence_matcher.eval.context_head import runner_up_shift, sentence_best

    # Two documents; in document 0 sentence 0 has behaviors at 0.9 and 0.8, sentence 1 ties at 0.3.
    doc = np.array([0, 0, 0, 0, 1, 1])
    rows = np.array([0, 0, 1, 1, 0, 0])
    prob = np.array([0.8, 0.9, 0.3, 0.3, 0.2, 0.7], dtype=np.float32)
    best = sentence_best(doc, rows, prob)
    assert best.tolist() == [False, True, True, False, False, True]  # ties: the first, as a stable sort
    # One threshold on the shifted probabilities = 0.75 for the best behavior, 0.85 for the others.
    assert (runner_up_shift(prob, best, 0.1) >= 0.75).tolist() == [False, True, False, False, False, False]
    assert (runner_up_shift(prob, best, 0.0) >= 0.75).tolist() == [True, True, False, False, False, False]


def test_the_unseen_ladder_experiment_scores_rules_on_ladders_their_parameters_were_not_chosen_on():
    from types import SimpleNamespace

    from evidence_matcher.eval.unseen_ladder import nested_choice, rule_counts
    from evidence_matcher.eval.verifier_train import sentence_rank

    # Document 0 (ladder a): sentence 0 has behaviors 0 (0.9) and 1 (0.8), gold {0}; document 1 (ladder b):
    # one sentence, behaviors 2 (0.7) and 0 (0.6), gold {2, 0}.
    pairs = SimpleNamespace(
        doc=np.array([0, 0, 1, 1]), rows=np.array([0, 0, 0, 0]), cols=np.array([0, 1, 2, 0]), gold=[{0}, {2, 0}]
    )
    prob = np.array([0.9, 0.8, 0.7, 0.6])
    rank = sentence_rank(pairs.doc, pairs.rows, prob)
    assert rank.tolist() == [0, 1, 0, 1]
    assert sentence_rank(np.array([0, 0, 0]), np.array([1, 1, 0]), np.array([0.2, 0.3, 0.1])).tolist() == [1, 0, 0]
    docs = {"a": np.array([0]), "b": np.array([1])}
    plain = rule_counts(pairs, prob, rank, docs, 0.5, 0.0)
    assert plain["a"].tolist() == [[1, 1, 0]] and plain["b"].tolist() == [[2, 0, 0]]
    margin = rule_counts(pairs, prob, rank, docs, 0.5, 0.25)  # runners-up need 0.75: 0.8 passes, 0.6 does not
    assert margin["a"].tolist() == [[1, 1, 0]] and margin["b"].tolist() == [[1, 0, 1]]
    top1 = rule_counts(pairs, prob, rank, docs, 0.5, 0.0, max_rank=1)
    assert top1["a"].tolist() == [[1, 0, 0]] and top1["b"].tolist() == [[1, 0, 1]]
    # Ladder a is scored by what ladder b prefers and the reverse: b wants no cap, a wants the cap.
    table = {(0.5, 0.0, 99): plain, (0.5, 0.0, 1): top1}
    assert nested_choice(table, ["a", "b"]) == {"a": (0.5, 0.0, 99), "b": (0.5, 0.0, 1)}


def test_the_fit_split_experiment_trains_on_gold_quotes_and_leaves_arguable_behaviors_unscored():
    from types import SimpleNamespace

    from evidence_matcher.eval.dataset import Label, Sample
    from evidence_matcher.eval.fit_split_training import as_document, f1, paired_bootstrap, per_sample_counts

    sample = Sample(
        id="s1",
        text="I led the review. The pager went off.",
        labels=[Label(behavior="a.1", evidence=["I led the review."])],
        partial=["b.1"],
        genre="incident-review",
    )
    doc = as_document(sample)
    assert [(s.quote, s.behaviors, s.actor) for s in doc.segments] == [("I led the review.", ["a.1"], "subject")]
    # Pairs of one document: a.1 and b.1 above the threshold, c.1 below; b.1 is arguable, so not a false positive.
    pairs = SimpleNamespace(doc=np.zeros(3, int), cols=np.array([0, 1, 2]))
    counts = per_sample_counts([sample], pairs, ["a.1", "b.1", "c.1"], np.array([0.9, 0.8, 0.1]), 0.5)
    assert counts.tolist() == [[1, 0, 0]] and f1(counts) == 1.0
    counts = per_sample_counts([sample], pairs, ["a.1", "b.1", "c.1"], np.array([0.1, 0.8, 0.9]), 0.5)
    assert counts.tolist() == [[0, 1, 1]] and f1(counts) == 0.0
    low, high, above = paired_bootstrap(np.array([[0, 1, 1]] * 4), np.array([[1, 0, 0]] * 4), rounds=50)
    assert low == high == 1.0 and above == 1.0


def test_the_fit_split_bank_experiment_adds_only_the_kept_documents_rows_with_their_labels():
    from evidence_matcher.eval.fit_split_bank import merged, rows_of
    from evidence_matcher.matcher.evidence_bank import EvidenceBank

    shipped = EvidenceBank.build(np.eye(3, 4, dtype=np.float32), ["r"] * 3, [{"a.1"}, set(), {"b.1", "c.1"}])
    fit = EvidenceBank.build(np.eye(3, 4, k=1, dtype=np.float32), ["r"] * 3, [{"c.1"}, {"a.1"}, set()])
    kept = rows_of(fit, np.array([False, True, True]))  # the first document is the held-out fold's
    assert len(kept.rubric) == 2 and kept.label_row.tolist() == [0] and kept.label_behavior.tolist() == ["a.1"]
    assert np.array_equal(kept.vectors, fit.vectors[1:])
    both = merged(shipped, kept)
    assert len(both.rubric) == 5 and np.array_equal(both.vectors, np.concatenate([shipped.vectors, fit.vectors[1:]]))
    labelled = sorted(zip(both.label_row.tolist(), both.label_behavior.tolist(), strict=True))
    assert labelled == [(0, "a.1"), (2, "b.1"), (2, "c.1"), (3, "a.1")]


def test_the_actor_experiment_reads_who_acts_in_each_pairs_sentence_from_the_corpus_labels():
    from types import SimpleNamespace

    from evidence_matcher.eval.actor_auxiliary import sentence_targets
    from evidence_matcher.eval.corpus import Document, Segment

    doc = Document(
        id="d1",
        ladder="ic6",
        genre="incident-review",
        text="I rolled back the deploy. The cache was cold.",
        segments=[
            Segment(quote="I rolled back the deploy.", behaviors=[], actor="subject", kind="deed"),
            Segment(quote="The cache was cold.", behaviors=[], actor="system", kind="system"),
        ],
    )
    # Three pairs on sentence 0, one on sentence 1, one on a sentence no label covers (out of range).
    pairs = SimpleNamespace(y=np.zeros(5), doc=np.zeros(5, int), rows=np.array([0, 0, 0, 1, 7]))
    targets = sentence_targets([doc], pairs)
    assert targets[:4].tolist() == [[1.0, 1.0]] * 3 + [[0.0, 0.0]]
    assert np.isnan(targets[4]).all()


def test_auxiliary_targets_leave_the_verifiers_weights_in_the_shipped_shape():
    from evidence_matcher.eval.verifier_train import RECIPE, train_mlp

    rng = np.random.default_rng(0)
    dense, scalars = rng.normal(size=(300, 6)).astype(np.float32), rng.normal(size=(300, 2)).astype(np.float32)
    y = (rng.random(300) < 0.3).astype(np.float32)
    aux = np.stack([y, np.where(rng.random(300) < 0.2, np.nan, 1 - y)], axis=1).astype(np.float32)
    recipe = {**RECIPE, "epochs": 1, "hidden": 8, "aux_weight": 1.0}
    plain, with_aux = train_mlp(dense, scalars, y, recipe), train_mlp(dense, scalars, y, recipe, aux=aux)
    assert {k: v.shape for k, v in plain.items()} == {k: v.shape for k, v in with_aux.items()}
    assert not np.allclose(plain["w1"], with_aux["w1"])  # the extra targets did shape the hidden layer


def test_training_noise_moves_only_the_behavior_product_and_dropout_only_the_dense_inputs():
    import torch

    from evidence_matcher.eval.verifier_train import dense_perturbation

    torch.manual_seed(0)
    x = torch.randn(4000, 10)  # 4 sentence columns, 4 of their product with the behavior, 2 scalars
    x[:, 0] = 0.0
    assert dense_perturbation(8, {})(x) is x  # the shipped recipe trains on its inputs as they are
    noisy = dense_perturbation(8, {"behavior_noise": 1.0})(x)
    assert torch.equal(noisy[:, :4], x[:, :4]) and torch.equal(noisy[:, 8:], x[:, 8:])
    # the product moves by sentence * e, as if the behavior vector had moved by e (norm ~1: std 1/sqrt(4))
    moved = noisy[:, 4:8] - x[:, 4:8]
    assert torch.equal(moved[:, 0], torch.zeros(4000))  # a sentence coordinate of 0 keeps its product
    assert 0.45 < moved[:, 1:].std().item() < 0.55
    dropped = dense_perturbation(8, {"dense_dropout": 0.5})(x)
    assert torch.equal(dropped[:, 8:], x[:, 8:])
    assert 0.45 < (dropped[:, 1:8] == 0).float().mean().item() < 0.55


def test_sentence_pairs_pair_documents_and_take_negatives_from_the_nearest_behavior_with_sentences():
    """Encoder recipe v4's sentence pairs: the positive comes from another document, the hard
    negative from the nearest behavior that has corpus sentences, and never shows the anchor's behavior."""
    import random

    from evidence_matcher.eval.encoder_train import sentence_pairs

    by_behavior = {
        "l:a": [("d1", "I wrote the runbook."), ("d2", "I drafted the guide."), ("d3", "Both: runbook and SLO.")],
        "l:b": [("d3", "Both: runbook and SLO."), ("d4", "I set the SLO.")],
        "l:c": [("d5", "I hired two engineers.")],
    }
    neighbours = {"l:a": ["l:x", "l:b", "l:c"], "l:b": ["l:a"], "l:c": ["l:x"]}  # l:x has no sentences
    pairs = sentence_pairs(by_behavior, neighbours, random.Random(0))
    docs = {s: d for rows in by_behavior.values() for d, s in rows}
    assert {p[1] for p in pairs if p[0] == "l:a"} == {s for _, s in by_behavior["l:a"]}
    for key, anchor, positive, negative in pairs:
        assert docs[positive] != docs[anchor] and positive in {s for _, s in by_behavior[key]}
        assert negative not in {s for _, s in by_behavior[key]}  # a sentence of both behaviors is no negative
    assert {p[3] for p in pairs if p[0] == "l:a"} == {"I set the SLO."}
    assert not [p for p in pairs if p[0] == "l:c"]  # no other-document positive, no negative: left out


# (key, anchor, positive) pairs for adapter training on the small model: four behaviors, two batches of two.
ADAPTER_PAIRS = [
    ("l:a", "I wrote the incident runbook.", "Writes runbooks."),
    ("l:b", "I hired two engineers.", "Hires engineers."),
    ("l:c", "I set the SLO for checkout.", "Sets SLOs."),
    ("l:d", "I mentored a new engineer.", "Mentors others."),
]


def test_an_adapter_trains_on_the_base_model_it_is_given_with_the_layers_the_recipe_names(tmp_path):
    """``encoder_train --base-model`` (measuring a larger model): the LoRA adapter is trained on that
    folder, not the bundled one, and adapts the layers named (MPNet calls its attention q k v o)."""
    import shutil

    from evidence_matcher.eval.encoder_train import RECIPE, train_lora_adapter
    from evidence_matcher.index.embedders import model_fingerprint, small_model_dir

    base = tmp_path / "another-model"
    shutil.copytree(small_model_dir(), base)
    recipe = {**RECIPE, "epochs": 1, "batch_size": 2, "target_modules": ["query", "value"]}
    stats = train_lora_adapter(
        lambda epoch: ADAPTER_PAIRS, tmp_path / "adapter", recipe, log=lambda _: None, base_dir=base
    )
    config = json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == str(base)
    assert set(config["target_modules"]) == {"query", "value"}
    assert stats["steps"] == 2 and stats["base_model_fingerprint"] == model_fingerprint(base)


def test_a_batch_larger_than_memory_trains_in_chunks_with_the_same_loss(tmp_path):
    """``encoder_train --batch-size 32 --mini-batch-size 16``: mpnet's batches of 32 outgrow 24 GB,
    so the batch is embedded in chunks and the in-batch loss's gradient replayed through each chunk
    (GradCache). With dropout off a chunked step must move the adapter as the whole batch does."""
    import shutil

    from safetensors.numpy import load_file

    from evidence_matcher.eval.encoder_train import RECIPE, train_lora_adapter
    from evidence_matcher.index.embedders import small_model_dir

    base = tmp_path / "no-dropout"
    shutil.copytree(small_model_dir(), base)
    config = json.loads((base / "config.json").read_text())
    (base / "config.json").write_text(
        json.dumps({**config, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0})
    )
    recipe = {**RECIPE, "epochs": 1, "batch_size": 4, "lora_dropout": 0.0, "target_modules": ["query", "value"]}
    whole = train_lora_adapter(
        lambda epoch: ADAPTER_PAIRS, tmp_path / "whole", recipe, log=lambda _: None, base_dir=base
    )
    chunked = train_lora_adapter(
        lambda epoch: ADAPTER_PAIRS,
        tmp_path / "chunked",
        {**recipe, "mini_batch_size": 1},
        log=lambda _: None,
        base_dir=base,
    )
    assert whole["steps"] == chunked["steps"] == 1
    a = load_file(str(tmp_path / "whole" / "adapter_model.safetensors"))
    b = load_file(str(tmp_path / "chunked" / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and all(np.allclose(a[k], b[k], atol=1e-5) for k in a)


def test_a_resumed_adapter_starts_from_the_one_given_and_trains_only_the_epochs_it_lacks(tmp_path):
    """``encoder_train --resume``: a longer recipe continued from a shorter run's adapter (mpnet's
    epoch takes an hour here). It must load that adapter's weights (at learning rate 0 they come
    out unchanged), run only the missing epochs' steps, and refuse an adapter of another recipe."""
    from safetensors.numpy import load_file

    from evidence_matcher.eval.encoder_train import RECIPE, resumed_epochs, train_lora_adapter

    recipe = {**RECIPE, "epochs": 1, "batch_size": 2, "target_modules": ["query", "value"]}
    first = tmp_path / "first"
    assert train_lora_adapter(lambda epoch: ADAPTER_PAIRS, first, recipe, log=lambda _: None)["steps"] == 2
    (first / "card.json").write_text(json.dumps({"recipe": recipe}))

    longer = {**recipe, "epochs": 3}
    assert resumed_epochs(first, longer) == (first, 1)
    frozen = {**longer, "learning_rate": 0.0}
    with pytest.raises(SystemExit, match="another recipe"):
        resumed_epochs(first, frozen)
    with pytest.raises(SystemExit, match="no readable card.json"):
        resumed_epochs(tmp_path, longer)
    stats = train_lora_adapter(
        lambda epoch: ADAPTER_PAIRS, tmp_path / "same", frozen, log=lambda _: None, resume=(first, 1)
    )
    assert stats["steps"] == 4  # epochs 2 and 3 only
    before = load_file(str(first / "adapter_model.safetensors"))
    after = load_file(str(tmp_path / "same" / "adapter_model.safetensors"))
    assert before.keys() == after.keys() and all(np.array_equal(before[k], after[k]) for k in before)
    trained = train_lora_adapter(
        lambda epoch: ADAPTER_PAIRS, tmp_path / "on", longer, log=lambda _: None, resume=(first, 1)
    )
    moved = load_file(str(tmp_path / "on" / "adapter_model.safetensors"))
    assert trained["steps"] == 4 and any(not np.array_equal(before[k], moved[k]) for k in before)


def test_the_base_model_experiment_refuses_an_adapted_arm_without_one_adapter_for_it(capsys):
    """``base_model_compare``: an arm named ``+adapter`` reads ``--adapter``; two such arms in one run
    would read the same adapter, so the run stops before loading anything (each arm is minutes)."""
    from evidence_matcher.eval.base_model_compare import main

    for argv, message in [
        (["minilm+adapter"], "the minilm+adapter arm needs --adapter"),
        (["mpnet+adapter", "minilm+adapter", "--adapter", "/a"], "one +adapter arm a run"),
        (["bert"], "unknown arm(s): bert"),
    ]:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_an_adapter_for_another_base_model_carries_the_command_that_remakes_it(tmp_path):
    """A model card's reproduce line is the run's own command: an adapter trained with
    ``--base-model`` and other options must not claim the default recipe (which remakes another
    adapter), nor name a folder that exists only on the machine it was trained on."""
    import argparse

    from evidence_matcher.eval.corpus import retrain_command, write_model_card
    from evidence_matcher.eval.encoder_train import DEFAULT_BASE, RECIPE, reproduce_options

    args = argparse.Namespace(
        base_model=Path("/scratch/me/all-mpnet-base-v2"),
        target_modules=["q", "k", "v", "o", "dense"],
        batch_size=16,
        epochs=RECIPE["epochs"],
        sentence_pairs=False,
        mini_batch_size=None,
    )
    options = reproduce_options(args)
    assert options == [
        "--base-model",
        "MODEL_DIR",
        "--target-modules",
        "q",
        "k",
        "v",
        "o",
        "dense",
        "--batch-size",
        "16",
    ]
    # The shipped encoder's own run: its base model's recipe, nothing to say.
    default = argparse.Namespace(
        **{**vars(args), "base_model": DEFAULT_BASE, "target_modules": None, "batch_size": None, "epochs": None}
    )
    assert reproduce_options(default) == []
    # Another shipped model is named (any machine has it), with what differs from its own recipe.
    small = argparse.Namespace(**{**vars(default), "base_model": "all-MiniLM-L6-v2", "batch_size": 16, "epochs": 1})
    assert reproduce_options(small) == ["--base-model", "all-MiniLM-L6-v2", "--batch-size", "16", "--epochs", "1"]
    # A batch embedded in chunks (GradCache) is another run: its card says so.
    cached = argparse.Namespace(**{**vars(default), "batch_size": 32, "mini_batch_size": 16})
    assert reproduce_options(cached) == ["--batch-size", "32", "--mini-batch-size", "16"]
    # On the bundled model an experiment's options stay in the chain that remakes the product's files.
    assert retrain_command(["--sentence-pairs"]).startswith(
        "python -m evidence_matcher.eval.encoder_train --sentence-pairs && "
        "python -m evidence_matcher.eval.verifier_train"
    )
    write_model_card(tmp_path, "An adapter", {"reproduce": "python -m x --epochs 1"}, "For a test.")
    assert (tmp_path / "MODEL_CARD.md").read_text().rstrip().endswith("Reproduce: `python -m x --epochs 1`")


def test_the_subject_experiment_names_the_person_a_promo_doc_is_about_and_no_one_in_a_self_review():
    from evidence_matcher.eval.feature_groups import SUBJECT_NAMES, person_names, subject_features

    promo = (
        "Dana has led storage reliability for two years. When pages piled up, Dana traced them to one path. "
        "She paired with Omar on the fix. The fleet holds 40 PB in Frankfurt."
    )
    segments = segment_text(promo)
    assert set(person_names(promo, segments)) == {"Dana", "Omar", "Frankfurt"}  # "When", "She", "The" are not names
    got = dict(zip(SUBJECT_NAMES, subject_features(promo, segments).T, strict=True))
    assert got["names_subject"].tolist() == [1, 1, 0, 0]
    assert got["names_other"].tolist() == [0, 0, 1, 1]  # a place counts too: the network weighs it
    assert got["doc_subject"].tolist() == [0.5] * 4
    # a self-review is about its I: names in it are other people, however often they come up
    review = "I paired with Omar on the fix. I wrote the runbook after Omar left. I led the review with Omar."
    got = subject_features(review, segment_text(review))
    assert got[:, 0].tolist() == [0, 0, 0] and got[:, 1].tolist() == [1, 1, 1]


def test_an_erring_oracle_claims_the_first_wrong_candidates_it_is_shown_and_misses_a_seeded_share():
    text = "I led the failover drill. I mentored two engineers. The cluster has three nodes."
    sample = Sample(id="s1", text=text, labels=[Label(behavior="a.1", evidence=["I led the failover drill."])])
    shown = [
        {"id": "b.1", "behavior": "...", "sentences_found": ["The cluster has three nodes."]},
        {"id": "a.1", "behavior": "...", "sentences_found": ["I led the failover drill."]},
        {"id": "c.1", "behavior": "...", "sentences_found": ["I mentored two engineers."]},
    ]
    prompt = f"CANDIDATES (JSON):\n{json.dumps(shown)}\n\nDOCUMENT (data):\n<<<DOCUMENT\n{text}\nDOCUMENT>>>"

    def claims(errors: OracleErrors) -> dict[str, list[str]]:
        answer = OracleChatModel([sample], errors).complete([{"role": "user", "content": prompt}], {}, "x")
        return {b["behavior_id"]: b["quotes"] for b in json.loads(answer.content)["behaviors"] if b["quotes"]}

    assert claims(OracleErrors()) == {"a.1": ["I led the failover drill."]}
    assert claims(OracleErrors(wrong=1)) == {
        "b.1": ["The cluster has three nodes."],
        "a.1": ["I led the failover drill."],
    }
    assert claims(OracleErrors(wrong=5)).keys() == {"a.1", "b.1", "c.1"}  # no more wrong claims than candidates
    sample.partial = ["b.1"]  # arguable: claiming it is no error, so the wrong claim goes to the next one
    assert claims(OracleErrors(wrong=1)).keys() == {"a.1", "c.1"}
    assert claims(OracleErrors(miss=1.0)) == {}
    assert (
        OracleChatModel([sample], OracleErrors(1, 0.2)).model_id
        == "oracle (gold labels; 1 wrong per call, 20% of gold missed)"
    )
    assert OracleChatModel([sample], OracleErrors(1)).model_id == "oracle (gold labels; 1 wrong per call)"
    assert OracleChatModel([sample]).model_id == "oracle (gold labels)"

    assert parse_oracle("oracle") == OracleErrors() and parse_oracle("llm") is None
    assert parse_oracle("oracle:wrong=2,miss=0.3") == OracleErrors(2, 0.3)
    for bad in ("oracle:wrong=x", "oracle:wrong=1.5", "oracle:miss=2", "oracle:often=1"):
        with pytest.raises(EvidenceError, match="--judge"):
            parse_oracle(bad)


def test_an_erring_oracle_misses_the_same_gold_in_every_run_and_about_the_share_asked():
    missed = [_missed(f"s{i}", "a.1", 0.2) for i in range(2000)]
    assert missed == [_missed(f"s{i}", "a.1", 0.2) for i in range(2000)]
    assert 0.17 < sum(missed) / len(missed) < 0.23
