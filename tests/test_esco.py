"""ESCO skill-extraction and SkillSkape loaders, the ranking harness, and the CLI on CSV benchmarks.

Fixtures in tests/fixtures/esco/ are project-written; the real files (../shared/datasets/) are
only read, and those tests skip when they are absent. No test embeds the 13,896 labels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from evidence_matcher.errors import DatasetError
from evidence_matcher.eval.esco import (
    detect_csv_format,
    eval_rubric,
    find_labels_file,
    labels_rubric,
    load_csv_dataset,
    load_esco_csv,
    load_eval_samples,
    load_skillskape_csv,
)
from evidence_matcher.eval.esco_tune import training_rubric
from evidence_matcher.eval.retrieval import (
    LabelSpace,
    query_texts,
    rank_samples,
    retrieval_metrics,
    rrf,
    top_order,
)
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from tests.conftest import ROOT, SHARED, FakeEmbedder

FIXTURES = ROOT / "tests" / "fixtures" / "esco"
ESCO_DIR = SHARED / "datasets" / "esco-skill-extraction"
SKILLSKAPE = SHARED / "datasets" / "skillskape" / "dev.csv"
RUBRIC = labels_rubric(FIXTURES / "skills_en_label.txt")


def _id(text: str) -> str:
    return next(b.id for b in RUBRIC.behaviors if b.text == text)


def _real(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not available (../shared/ is absent)")
    return path


def test_esco_rows_are_grouped_by_sentence_into_label_sets():
    samples = load_esco_csv(FIXTURES / "mini_annotations.csv", RUBRIC)
    assert [s.text for s in samples] == [
        "javascript reactjs java",
        "Experience leading a team, with grit",
        "Industry: Financial Services",
        "We query SQL databases daily",
    ]
    first = samples[0]
    assert first.gold == {_id("JavaScript"), _id("Java (computer programming)")}  # reactjs: LABEL NOT PRESENT
    evidence = {label.behavior: label.evidence for label in first.labels}
    assert evidence[_id("JavaScript")] == ["javascript"]  # the repeated row adds no duplicate span
    assert first.spans(_id("Java (computer programming)")) == [(0, 4), (19, 23)]  # every occurrence counts
    assert samples[1].gold == {_id("manage a team"), _id("show determination")}
    assert samples[2].gold == set()  # only UNDERSPECIFIED: a negative
    assert samples[3].gold == {_id("SQL")}  # label 'sql' matched ignoring case
    assert len({s.id for s in samples}) == 4


def test_unknown_label_is_a_clear_error_naming_the_line():
    with pytest.raises(DatasetError, match=r"unknown_label\.csv:3: label 'COBOL' is not in rubric skills-en-label"):
        load_esco_csv(FIXTURES / "unknown_label.csv", RUBRIC)


def test_published_files_load_as_published_with_a_report_of_what_was_dropped():
    """TECHWOLF's header is only sentence,label; TECH has a gold label its own list lacks."""
    from evidence_matcher.eval.esco import DroppedLabels

    assert detect_csv_format(FIXTURES / "two_column.csv") == "esco"
    dropped = DroppedLabels()
    samples = load_esco_csv(FIXTURES / "two_column.csv", RUBRIC, strict=False, dropped=dropped)
    assert [s.text for s in samples] == [
        "javascript reactjs java",
        "We query SQL databases daily",
        "Knows COBOL and SQL",
        "Industry: Financial Services",
    ]
    assert samples[2].gold == {_id("SQL")} and samples[3].gold == set()  # a real negative stays one
    assert all(label.evidence == [] for s in samples for label in s.labels)  # no spans in this format
    assert (
        dropped.labels == {"COBOL": 2} and dropped.sentences_left_out == 1
    )  # "Knows COBOL well" is not made a negative
    (line, left_out) = dropped.lines(FIXTURES / "two_column.csv")
    assert (
        "dropped 1 gold label(s) not in the taxonomy, 2 row(s): 'COBOL' x2" in line
        and "left out 1 sentence" in left_out
    )
    with pytest.raises(DatasetError, match=r"two_column\.csv:5: label 'COBOL' is not in rubric"):
        load_esco_csv(FIXTURES / "two_column.csv", RUBRIC, strict=True)


def test_skillskape_list_strings_and_unk():
    samples = load_skillskape_csv(FIXTURES / "skillskape_mini.csv", RUBRIC)
    assert len(samples) == 3
    assert samples[0].gold == {_id("JavaScript"), _id("Java (computer programming)")}
    assert samples[1].gold == set()  # ['UNK']
    assert [label.behavior for label in samples[2].labels] == [
        _id("manage a team"),
        _id("show determination"),
    ]  # UNK and repeats dropped


@pytest.mark.parametrize(
    "skills, message",
    [
        ("__import__('os')", "not a Python list literal"),
        ("'JavaScript'", "must be a list of strings"),
        ("['Nope']", "'Nope' is not in rubric"),
    ],
)
def test_skillskape_bad_skills(tmp_path, skills, message):
    path = tmp_path / "s.csv"
    path.write_text(f',sentence,skills\n0,Some sentence here,"{skills}"\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_skillskape_csv(path, RUBRIC)


def test_format_is_detected_from_the_header():
    assert detect_csv_format(FIXTURES / "mini_annotations.csv") == "esco"
    assert detect_csv_format(FIXTURES / "skillskape_mini.csv") == "skillskape"
    with pytest.raises(DatasetError, match="unknown CSV header"):
        detect_csv_format(FIXTURES / "bad_header.csv")
    assert len(load_csv_dataset(FIXTURES / "skillskape_mini.csv", RUBRIC)) == 3


def test_labels_file_is_found_beside_the_dataset_and_csv_defaults_to_all(tmp_path):
    dataset = FIXTURES / "mini_annotations.csv"
    assert find_labels_file(dataset) == (FIXTURES / "skills_en_label.txt").resolve()
    rubric = eval_rubric(dataset, None, "ic6-principal-reliability-engineer")
    assert rubric.id == "skills-en-label" and len(rubric.behaviors) == 6
    assert eval_rubric(Path("x.jsonl"), None, "ic6") == "ic6"
    samples, split = load_eval_samples(dataset, rubric, None)
    assert split == "all" and len(samples) == 4
    lonely = tmp_path / "alone" / "a.csv"
    lonely.parent.mkdir()
    lonely.write_text("sentence,span,sub_span,label\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="pass the label list with --rubric"):
        find_labels_file(lonely)


def test_real_esco_validation_counts():
    directory = _real(ESCO_DIR / "skills_en_label.txt").parent
    rubric = labels_rubric(directory / "skills_en_label.txt")
    assert len(rubric.behaviors) == 13_896
    for name, sentences, labelled in [("tech", 101, 75), ("house", 77, 61)]:
        samples = load_esco_csv(directory / f"{name}_validation_annotations.csv", rubric)
        assert (len(samples), sum(bool(s.gold) for s in samples)) == (sentences, labelled)
        for s in samples:
            assert all(span in s.text for label in s.labels for span in label.evidence)


def test_real_skillskape_loads():
    path = _real(SKILLSKAPE)
    rubric = labels_rubric(find_labels_file(path))  # found in the sibling ESCO folder
    samples = load_skillskape_csv(path, rubric)
    assert len(samples) == 1316 and sum(not s.gold for s in samples) == 86


# --- the ranking harness, on the fake embedder -------------------------------------------


def test_query_modes():
    text = (
        "We build and run the data pipelines of every team; "
        + "we also review the code " * 9
        + "; and then we ship it."
    )
    assert query_texts("python", "segments") == ["python"]  # too short to segment: matched whole
    assert query_texts(text, "sentence") == [" ".join(text.split())]
    clauses = query_texts(text, "segments")
    assert len(clauses) == 3  # a sentence over 45 words is split at its semicolons
    assert query_texts(text, "both") == [" ".join(text.split()), *clauses]


def test_rrf_and_top_order():
    scores = np.array([0.1, 0.9, 0.5, 0.9])
    assert top_order(scores, 3).tolist() == [1, 3, 2]  # ties broken by index
    fused = rrf([np.array([0, 1]), np.array([1, 2])], size=3, k=0)
    assert fused.tolist() == [1.0, 0.5 + 1.0, 0.5]


def test_rank_samples_dense_and_hybrid():
    samples = load_esco_csv(FIXTURES / "mini_annotations.csv", RUBRIC)
    embedder = FakeEmbedder()
    dense = LabelSpace.build(RUBRIC, embedder)
    rankings, timings = rank_samples(samples, dense, embedder, "sentence", depth=6)
    assert set(timings) == {"segment", "embed_queries", "search"}
    assert rankings[3][0] == _id("SQL")  # "SQL" is the only shared word
    hybrid = LabelSpace.build(RUBRIC, embedder, templates=("ability to {label}",), lexical=True)
    assert hybrid.vectors.shape[0] == 2 * len(RUBRIC.behaviors)
    rankings, _ = rank_samples(samples, hybrid, embedder, "sentence", depth=6)
    assert rankings[0][:2] == [_id("JavaScript"), _id("Java (computer programming)")]
    metrics = retrieval_metrics(samples, rankings)
    assert set(metrics) == {"rp@5", "rp@10", "mrr", "ndcg@10"}
    assert 0.0 < metrics["rp@5"] <= 1.0


def test_label_vectors_are_cached(tmp_path):
    """Labels come from the rubric's cached FAISS index, phrasings from their own cache: built once."""
    from evidence_matcher.index.rubric_index import index_path

    embedder = FakeEmbedder()
    first = LabelSpace.build(RUBRIC, embedder, templates=("ability to {label}",), cache_dir=tmp_path)
    assert index_path(tmp_path, RUBRIC).is_file()
    calls = embedder.calls
    again = LabelSpace.build(RUBRIC, embedder, templates=("ability to {label}",), cache_dir=tmp_path)
    assert embedder.calls == calls and again.vectors.shape == (12, embedder.dim)
    assert np.allclose(first.vectors, again.vectors) and np.allclose(
        again.vectors[:6], embedder.encode(list(again.texts))
    )


def test_training_rubric_holds_gold_labels_with_sentences_and_spans():
    samples = load_esco_csv(FIXTURES / "mini_annotations.csv", RUBRIC)
    train = training_rubric(samples, RUBRIC, "train-mini", max_examples=1)
    texts = {b.text: b.examples for b in train.behaviors}
    assert set(texts) == {"JavaScript", "Java (computer programming)", "manage a team", "show determination", "SQL"}
    assert texts["manage a team"] == ("Experience leading a team, with grit",)  # capped at 1: the span is dropped


def test_a_flat_taxonomy_is_not_adapted():
    """One item per label gives no positive pairs to adapt on: the base model is used, and the
    one-time adaptation is skipped (not run on 13,896 labels)."""
    from evidence_matcher.index.tuning import can_tune

    assert not can_tune(RUBRIC)


def test_short_texts_are_matched_whole(tmp_path):
    """A job-ad line the segmenter skips as a title is still scored, as one segment."""
    embedder = FakeEmbedder()
    matcher = Matcher(
        embedder=embedder,
        cache_dir=tmp_path,
        params=DecisionParams(threshold=0.5, max_rank=1, moderate=0.6, strong=0.7),
    )
    index = matcher.rubric_index(RUBRIC)
    (analysis,) = matcher.analyze_many(["  SQL\n"], index)
    assert [(s.start, s.end, s.quote) for s in analysis.segments] == [(2, 5, "SQL")]
    assert matcher.match("SQL", RUBRIC).matches[0].behavior_id == _id("SQL")


# --- the CLI on CSV benchmarks, with the fake embedder in place of the model -----------------


@pytest.fixture
def fake_model(fake_model_env):
    fake_model_env(DecisionParams(threshold=0.5, max_rank=1, moderate=0.6, strong=0.7))


def test_cli_eval_run_and_retrieval_on_a_csv(fake_model):
    from evidence_matcher.api.cli import app

    runner = CliRunner()
    dataset = str(FIXTURES / "mini_annotations.csv")
    run = runner.invoke(app, ["eval", dataset, "--no-log"])
    assert run.exit_code == 0, run.output
    assert "[all] 4 samples" in run.output and "rp@5" in run.output
    published = runner.invoke(app, ["eval", str(FIXTURES / "two_column.csv"), "--no-log"])
    assert published.exit_code == 0 and "dropped 1 gold label(s) not in the taxonomy" in published.output
    strict = runner.invoke(app, ["eval", str(FIXTURES / "two_column.csv"), "--no-log", "--strict"])
    assert strict.exit_code == 1 and "label 'COBOL' is not in rubric" in str(
        strict.exception
    )  # main() prints it as one line
    retrieval = runner.invoke(app, ["eval", "retrieval", dataset, "--format", "json"])
    assert retrieval.exit_code == 0, retrieval.output
    assert '"labels": 6' in retrieval.output and '"with_labels": 3' in retrieval.output
