"""The eval harness around the metrics: run records and their history, the paired bootstrap,
comparisons, the --fail-under gate, HTML reports and the name/pronoun swap of the bias check.

Fast: the FakeEmbedder stands in for the model; no test loads the real one.
"""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from evidence_matcher.eval.bias import SWAPS_PATH, bias_metrics, load_swaps, swap_text
from evidence_matcher.eval.bootstrap import SampleTable
from evidence_matcher.eval.compare import bootstrap_deltas, compare_records, sample_change
from evidence_matcher.eval.dataset import load_dataset
from evidence_matcher.eval.gate import GateError, check_floors, parse_floors
from evidence_matcher.eval.history import RunError, RunHistory, load_record
from evidence_matcher.eval.metrics import METRIC_KEYS
from evidence_matcher.eval.report import area_confusion, render_compare, render_run
from evidence_matcher.eval.run import BehaviorInfo, EvalRecord, SampleResult, evaluate
from evidence_matcher.index.rubric_index import build_rubric_index
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric
from tests.conftest import ROOT, FakeEmbedder

RUBRIC = load_rubric(DEFAULT_RUBRIC_ID)
PARAMS = DecisionParams(threshold=0.5, max_rank=1, moderate=0.6, strong=0.7, max_citations=2, citation_margin=1.0)


def _example(bid: str, n: int = 0) -> str:
    return RUBRIC.locate(bid)[2].examples[n]


def _rows() -> list[dict]:
    """Samples the fake embedder gets partly right: rubric examples (found), unrelated words
    (missed gold), a partial, negatives with and without a stray example, names and pronouns."""
    hiring, design, comms = _example("hiring.1"), _example("systems-design.1"), _example("communication.1")
    return [
        {
            "id": "s1",
            "text": f"She said: {hiring} Then he left.",
            "labels": [{"behavior": "hiring.1", "evidence": [hiring]}],
        },
        {
            "id": "s2",
            "text": f"{design} Arjun helped her team.",
            "labels": [
                {"behavior": "systems-design.1", "evidence": [design]},
                {"behavior": "hiring.1", "evidence": ["Arjun helped her team."]},
            ],
        },
        {
            "id": "s3",
            "text": f"{comms} {hiring}",
            "labels": [{"behavior": "communication.1", "evidence": [comms]}],
            "partial": ["hiring.1"],
        },
        {"id": "s4", "text": "zebra quartz violin nebula. His notes were fine.", "labels": []},
        {"id": "s5", "text": f"Priya wrote: {design}", "labels": []},
        {
            "id": "s6",
            "text": "marmot tundra lantern. Maya thanked him.",
            "labels": [{"behavior": "communication.1", "evidence": ["Maya thanked him."]}],
        },
    ]


@pytest.fixture
def dataset(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _rows()) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fake_matcher(tmp_path):
    return Matcher(embedder=FakeEmbedder(), cache_dir=tmp_path / "cache", params=PARAMS)


@pytest.fixture
def record(fake_matcher, dataset):
    index = build_rubric_index(RUBRIC, fake_matcher.embedder)
    samples = load_dataset(dataset, RUBRIC)
    return evaluate(fake_matcher, samples, index, dataset, "all", bias=True)


# --- records ---------------------------------------------------------------------------


def test_record_holds_what_the_metrics_are_made_of(record):
    by_id = {r.id: r for r in record.results}
    assert by_id["s1"].tp == 1 and by_id["s1"].fp == 0 and by_id["s1"].fn == 0
    assert by_id["s2"].fn == 1 and by_id["s2"].false_negatives == ["hiring.1"]
    assert by_id["s5"].fp == 1 and by_id["s5"].false_positives == ["systems-design.1"]
    assert "hiring.1" in by_id["s3"].predicted and by_id["s3"].fp == 0  # partial: not a false positive
    s1 = by_id["s1"]
    assert s1.citation_counts.gold_total == 1 and s1.citation_counts.gold_found == 1
    assert all(s1.citation_hits["hiring.1"]) and _example("hiring.1") in s1.quotes["hiring.1"][0]
    assert s1.gold_evidence == {"hiring.1": [_example("hiring.1")]}
    assert record.record_version == 2 and re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", record.run_id)
    assert record.behaviors["hiring.1"].area == RUBRIC.locate("hiring.1")[0].name


def test_old_records_still_load(record):
    old = record.model_dump(exclude={"record_version", "run_id", "created", "git_dirty", "behaviors"})
    for r in old["results"]:
        for key in ("tp", "fp", "fn", "citation_counts", "citation_hits", "quotes", "gold_evidence", "bias"):
            r.pop(key)
    loaded = EvalRecord.model_validate(old)
    assert loaded.record_version == 1 and loaded.results[0].citation_counts.returned == 0


def test_bootstrap_table_reproduces_the_record_metrics(record):
    """All-ones weights are the run itself: every metric recomputed from per-sample parts."""
    assert set(record.metrics) <= set(METRIC_KEYS)
    assert {"abstention", "bias.changed_samples", "rp@5", "macro_f1"} <= set(record.metrics)
    table = SampleTable(record.results).metrics(np.ones((1, len(record.results))))
    for key, value in record.metrics.items():
        assert table[key][0] == pytest.approx(value, abs=1e-4), key


# --- the paired bootstrap ----------------------------------------------------------------


def _result(sid: str, predicted: set[str], gold: set[str], partial: set[str] = frozenset()) -> SampleResult:
    scored = (predicted | gold) - (partial - gold)
    fp = sorted(b for b in scored if b in predicted and b not in gold)
    fn = sorted(b for b in scored if b in gold and b not in predicted)
    return SampleResult(
        id=sid,
        predicted=sorted(predicted),
        gold=sorted(gold),
        partial=sorted(partial),
        false_positives=fp,
        false_negatives=fn,
        citations={},
        ranked=sorted(predicted),
        tp=len(predicted & gold),
        fp=len(fp),
        fn=len(fn),
    )


def test_paired_bootstrap_interval_on_known_data():
    """20 samples, one gold behavior each; A finds it on 10, B on all 20. Recall goes 0.5 -> 1.0,
    and the delta in a resample is the share of A's misses drawn: Binomial(20, 0.5) / 20,
    whose central 95% is [0.30, 0.70]."""
    a = [_result(f"x{i}", {"g.1"} if i < 10 else set(), {"g.1"}) for i in range(20)]
    b = [_result(f"x{i}", {"g.1"}, {"g.1"}) for i in range(20)]
    deltas = {m.key: m for m in bootstrap_deltas(a, b, resamples=4000, seed=7)}
    recall = deltas["micro_recall"]
    assert recall.a == 0.5 and recall.b == 1.0 and recall.delta == 0.5
    assert 0.25 <= recall.low <= 0.35 and 0.65 <= recall.high <= 0.75 and recall.significant
    assert (
        deltas["micro_precision"].delta == 0.0 and not deltas["micro_precision"].significant
    )  # both 1.0 whenever defined
    again = {m.key: m for m in bootstrap_deltas(a, b, resamples=4000, seed=7)}
    assert again["micro_recall"] == recall  # fixed seed: the same interval


def test_identical_runs_have_zero_width_intervals(record):
    for m in bootstrap_deltas(record.results, record.results, resamples=500):
        assert m.delta == 0 and not m.significant and (m.low, m.high) == (0, 0), m.key


def test_sample_change_against_gold():
    a = _result("s", {"g.1", "f.1", "p.1"}, {"g.1", "g.2"}, {"p.1"})
    b = _result("s", {"g.2", "f.2"}, {"g.1", "g.2"}, {"p.1"})
    c = sample_change(a, b)
    assert (c.gained, c.lost, c.new_false_positives, c.fixed_false_positives, c.other) == (
        ["g.2"],
        ["g.1"],
        ["f.2"],
        ["f.1"],
        ["p.1"],
    )
    assert (c.errors_a, c.errors_b) == (2, 2)
    assert sample_change(a, a) is None


def test_compare_refuses_other_datasets_and_disjoint_samples(record):
    other = record.model_copy(update={"dataset_sha256": "0" * 64})
    with pytest.raises(RunError, match="different datasets"):
        compare_records(record, other)
    disjoint = record.model_copy(update={"results": [r.model_copy(update={"id": r.id + "-x"}) for r in record.results]})
    with pytest.raises(RunError, match="share no samples"):
        compare_records(record, disjoint)


def test_compare_two_records(record):
    # B: drop the false positive of s5 and miss s1's hit; paired over the 6 shared samples.
    results = [r.model_copy() for r in record.results]
    s1, s5 = (next(r for r in results if r.id == sid) for sid in ("s1", "s5"))
    s1.predicted, s1.tp, s1.fn, s1.false_negatives = [], 0, 1, ["hiring.1"]
    s5.predicted, s5.fp, s5.false_positives = [], 0, []
    b = record.model_copy(update={"results": results, "run_id": "B"})
    c = compare_records(record, b, resamples=500)
    assert c.shared_samples == 6 and c.only_a == c.only_b == 0
    changed = {x.id: x for x in c.changed}
    assert (
        set(changed) == {"s1", "s5"}
        and changed["s1"].lost == ["hiring.1"]
        and changed["s5"].fixed_false_positives == ["systems-design.1"]
    )
    m = {x.key: x for x in c.metrics}
    assert m["abstention"].b - m["abstention"].a == pytest.approx(0.5)  # s5 now abstains: 2 of 2 negatives
    assert m["micro_recall"].delta < 0
    page = render_compare(c)
    for section in ("Metric deltas (B − A)", "Samples whose predictions changed (2)", "<svg", "s5"):
        assert section in page


# --- history ------------------------------------------------------------------------------


def test_history_saves_lists_and_resolves(record, tmp_path):
    history = RunHistory(tmp_path / "runs")
    first = record.model_copy(update={"run_id": "20260101T000000Z-aaaaaa", "created": "2026-01-01T00:00:00+00:00"})
    second = record.model_copy(update={"run_id": "20260102T000000Z-bbbbbb", "created": "2026-01-02T00:00:00+00:00"})
    p1, p2 = history.save(first), history.save(second)
    rows = history.rows()
    assert [r["id"] for r in rows] == [second.run_id, first.run_id]  # newest first
    assert (
        rows[0]["primary_value"] == record.metrics["micro_f1"] and json.loads(rows[0]["metrics_json"]) == record.metrics
    )
    assert history.resolve("last") == p2 and history.resolve("20260101") == p1 and history.resolve(str(p1)) == p1
    assert load_record(p1).run_id == first.run_id
    with pytest.raises(RunError, match="ambiguous"):
        history.resolve("2026")
    with pytest.raises(RunError, match="no run 'nope'"):
        history.resolve("nope")
    with pytest.raises(RunError, match="no eval runs recorded"):
        RunHistory(tmp_path / "empty").resolve("last")
    p2.unlink()
    with pytest.raises(RunError, match="record is gone"):
        history.resolve("last")


# --- the gate -----------------------------------------------------------------------------


def test_fail_under_parses_aliases_and_names_valid_keys():
    assert parse_floors("rp@5=0.6, f1=0.55") == {"rp@5": 0.6, "micro_f1": 0.55}
    with pytest.raises(GateError, match=r"unknown metric 'f2'; valid: micro_precision.*rp@5.*f1 \(= micro_f1\)"):
        parse_floors("f2=0.5")
    with pytest.raises(GateError, match="not a number"):
        parse_floors("f1=high")
    with pytest.raises(GateError, match="METRIC=FLOOR"):
        parse_floors("f1")
    verdicts = check_floors({"micro_f1": 0.6, "rp@5": 0.5}, {"micro_f1": 0.55, "rp@5": 0.6, "abstention": 0.1})
    assert [(v.key, v.passed) for v in verdicts] == [("micro_f1", True), ("rp@5", False), ("abstention", False)]


@pytest.fixture
def cli(fake_model_env):
    """The real CLI commands, with the fake embedder configured in place of the model."""
    import evidence_matcher.api.cli as cli_package

    fake_model_env(PARAMS)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_package.app, list(args))


def test_fail_under_exits_2_and_names_the_metric(cli, dataset, tmp_path):
    ok = cli("eval", str(dataset), "--split", "all", "--log-dir", str(tmp_path / "runs"), "--fail-under", "f1=0.1")
    assert ok.exit_code == 0, ok.output
    bad = cli(
        "eval", str(dataset), "--split", "all", "--log-dir", str(tmp_path / "runs"), "--fail-under", "f1=0.1,rp@5=1.01"
    )
    assert bad.exit_code == 2
    assert re.search(r"FAIL rp@5 \d\.\d{3} < floor 1\.010", bad.output) and "quality gate failed: rp@5" in bad.output
    listing = cli("eval", "runs", "--log-dir", str(tmp_path / "runs"))
    assert (
        listing.exit_code == 0 and len(listing.output.strip().splitlines()) == 3
    )  # header + both runs (a failing run is kept)
    shown = cli("eval", "show", "last", "--log-dir", str(tmp_path / "runs"))
    assert shown.exit_code == 0 and "micro_f1" in shown.output and "tiny.jsonl" in shown.output
    compared = cli(
        "eval",
        "compare",
        "last",
        str(next((tmp_path / "runs").glob("*.json"))),
        "--log-dir",
        str(tmp_path / "runs"),
        "--resamples",
        "200",
    )
    assert compared.exit_code == 0 and "0 samples changed predictions" in compared.output


def test_unknown_fail_under_key_is_one_line_before_any_work(dataset):
    """Through the installed CLI: a typo in the gate fails at once (exit 1), listing valid keys."""
    cmd = [
        sys.executable,
        "-c",
        "from evidence_matcher.api.cli import main; main()",
        "eval",
        str(dataset),
        "--fail-under",
        "rp@50=0.5",
    ]
    out = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1
    assert out.stderr.startswith("Error: --fail-under: unknown metric 'rp@50'; valid:") and "rp@5" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


# --- reports ------------------------------------------------------------------------------


def test_run_report_has_its_sections(record, cli, tmp_path, dataset):
    page = render_run(record)
    for section in (
        "F1 per behavior",
        "Area confusion",
        "Worst samples",
        "hiring.1",
        "s5",
        "false positive",
        "bias.changed_samples",
    ):
        assert section in page, section
    assert "<script" not in page and "http" not in page.replace(record.dataset, "")  # self-contained
    out = tmp_path / "r.html"
    cli("eval", str(dataset), "--split", "all", "--log-dir", str(tmp_path / "runs"), "--html", str(out))
    assert "Worst samples" in out.read_text()
    again = tmp_path / "again.html"
    assert cli("eval", "report", "last", "--out", str(again), "--log-dir", str(tmp_path / "runs")).exit_code == 0
    assert "Area confusion" in again.read_text()


def test_area_confusion_counting():
    """A false positive counts 1, split over the sample's distinct gold areas; a negative's goes to 'no gold'."""
    behaviors = {
        "a.1": BehaviorInfo(area="A", text=""),
        "b.1": BehaviorInfo(area="B", text=""),
        "c.1": BehaviorInfo(area="C", text=""),
    }
    results = [_result("x", {"a.1", "c.1"}, {"a.1", "b.1"}), _result("y", {"c.1"}, set())]
    rec = EvalRecord(
        dataset="d",
        dataset_sha256="0",
        split="all",
        samples=2,
        rubric_id="r",
        rubric_fingerprint="f",
        model="m",
        thresholds={},
        git_commit="c",
        python="3",
        seconds=0,
        metrics={},
        per_area={},
        per_behavior={},
        behaviors=behaviors,
        results=results,
    )
    conf = area_confusion(rec)
    cells = {(row["area"], cell["col"]): cell["value"] for row in conf["rows"] for cell in row["cells"]}
    assert cells[("A", "C")] == 0.5 and cells[("B", "C")] == 0.5 and cells[("no gold", "C")] == 1.0
    hits = {row["area"]: (row["hits"], row["missed"]) for row in conf["rows"]}
    assert hits["A"] == (1, 0) and hits["B"] == (0, 1) and conf["total_fp"] == 2


# --- the bias check -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, swapped",
    [
        ("He said she would do it herself.", "She said he would do it himself."),
        (
            "I coached her through the launch and her team shipped.",
            "I coached him through the launch and his team shipped.",
        ),
        ("I gave her the runbook.", "I gave him the runbook."),
        ("The call was his. HIS notes, his own.", "The call was hers. HER notes, her own."),
        ("Thank him, and hers is next.", "Thank her, and his is next."),
        ("Arjun asked Priya; Mr. Omar agreed.", "Priya asked Arjun; Ms. Maya agreed."),
        (
            "I mark the theme; the shed, other heroes, Hershey, Marcus's doc.",
            "I mark the theme; the shed, other heroes, Hershey, Fatima's doc.",
        ),
    ],
)
def test_swap_is_word_bounded_and_case_preserving(text, swapped):
    assert swap_text(text)[0] == swapped


def test_swap_counts_and_round_trips_unambiguous_words():
    text = "She told Arjun that he owns it himself."
    once, n = swap_text(text)
    assert n == 4 and swap_text(once)[0] == text


def test_swap_list_is_a_consistent_length_preserving_bijection():
    table = load_swaps()
    data = yaml.safe_load(SWAPS_PATH.read_text())
    for a, b in data["names"].items():
        assert abs(len(a) - len(b)) <= 2, (a, b)
        assert table.names[a] == b and table.names[b] == a
    assert len(table.names) == 2 * (len(data["names"]) + len(data["titles"]))  # no name on both sides twice
    assert table.words["he"] == "she" and "no" in table.object_followers  # the YAML boolean trap is avoided


def test_bias_metrics_count_changes(record):
    results = [r.model_copy() for r in record.results]
    assert record.metrics["bias.swapped_samples"] == 5  # all but s3 have a name or a pronoun
    results[0].bias = results[0].bias.model_copy(update={"added": ["x.1"], "removed": []})
    results[1].bias = results[1].bias.model_copy(update={"added": [], "removed": list(results[1].predicted)})
    m = bias_metrics(
        [
            *results[:2],
            *[
                r.model_copy(update={"bias": r.bias.model_copy(update={"added": [], "removed": []})})
                for r in results[2:]
            ],
        ]
    )
    assert m["bias.changed_samples"] == 2 and m["bias.changed_share"] == pytest.approx(2 / 6)
    assert m["bias.added"] == 1 and m["bias.removed"] == len(results[1].predicted)
