"""Run the matcher over a dataset and score it: one record per run, pydantic all the way.

A record holds, per sample, everything the metrics are made of (counts, ranking, citation
overlaps), so that a comparison can resample samples and recompute every metric
(``eval/bootstrap.py``) without running the matcher again.
"""

from __future__ import annotations

import platform
import secrets
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from evidence_matcher.index.rubric_index import RubricIndex
from evidence_matcher.matcher.decision import Analysis
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.result import MatchResult, Strength, Usage

from .analysis import analyze_samples, decide_samples
from .bias import BiasChange, bias_metrics, swap_changes
from .dataset import Sample, Split, file_sha256
from .metrics import (
    CitationScores,
    SetScores,
    genre_metrics,
    ranking_metrics,
    sample_counts,
    strength_precision,
)

PRIMARY_METRIC = "micro_f1"
RECORD_VERSION = 2


class SampleResult(BaseModel):
    id: str
    genre: str = ""
    predicted: list[str]
    gold: list[str]
    partial: list[str]
    false_positives: list[str]
    false_negatives: list[str]
    citations: dict[str, list[tuple[int, int]]]
    ranked: list[str] = Field(description="Behaviors by document-level score, best first (top 10).")
    # Added in record version 2 (older records load with the defaults).
    tp: int = 0
    fp: int = 0
    fn: int = 0
    citation_counts: CitationScores = Field(
        default_factory=CitationScores
    )  # this sample's share, summed by the bootstrap
    citation_hits: dict[str, list[bool]] = Field(
        default_factory=dict, description="Per citation: does it overlap a gold span of that behavior?"
    )
    quotes: dict[str, list[str]] = Field(
        default_factory=dict, description="The cited text, per behavior, in citation order."
    )
    gold_evidence: dict[str, list[str]] = Field(
        default_factory=dict, description="The gold evidence spans, per gold behavior."
    )
    strengths: dict[str, Strength] = Field(
        default_factory=dict, description="The strength of each predicted behavior (strong / moderate / weak)."
    )
    bias: BiasChange | None = None


class BehaviorInfo(BaseModel):
    area: str
    text: str


class EvalRecord(BaseModel):
    record_version: int = 1
    run_id: str = ""
    created: str = ""
    dataset: str
    dataset_sha256: str
    split: str
    samples: int
    rubric_id: str
    rubric_fingerprint: str
    model: str
    judge: str = "offline"
    judge_fallbacks: int = 0
    usage: Usage = Usage()
    thresholds: dict
    git_commit: str
    git_dirty: bool | None = None
    python: str
    seconds: float
    primary_metric: str = PRIMARY_METRIC
    metrics: dict[str, float]
    per_area: dict[str, dict[str, float | int]]
    per_behavior: dict[str, dict[str, float | int]]
    per_genre: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Metrics per sample genre (samples that have one)."
    )
    behaviors: dict[str, BehaviorInfo] = Field(
        default_factory=dict, description="Area and text of every behavior the results mention."
    )
    results: list[SampleResult]


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def git_dirty() -> bool | None:
    """Uncommitted changes to tracked files: the commit alone does not say what ran."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        )
        return bool(out.stdout.strip()) if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def new_run_id(now: datetime) -> str:
    """Sortable by time, unique enough for one machine's history."""
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def document_ranking(analysis: Analysis, behavior_ids: list[str], top: int = 10) -> list[str]:
    if analysis.scores.shape[0] == 0:
        return []
    best = analysis.scores.max(axis=0)
    return [behavior_ids[i] for i in (-best).argsort(kind="stable")[:top]]


def _sample_result(
    sample: Sample,
    analysis: Analysis,
    result: MatchResult,
    index: RubricIndex,
    sets: SetScores,
    cites: CitationScores,
    area_of: dict[str, str],
) -> SampleResult:
    predicted = {m.behavior_id for m in result.matches}
    gold, partial = sample.gold, set(sample.partial)
    counts = sample_counts(predicted, gold, partial)
    sets.add(counts, area_of)
    mine = CitationScores()
    citations, hits, quotes = {}, {}, {}
    for m in result.matches:
        spans = [(c.start, c.end) for c in m.citations]
        gold_spans = sample.spans(m.behavior_id)
        mine.add(m.behavior_id, spans, gold_spans, scored=m.behavior_id in counts)
        citations[m.behavior_id] = spans
        hits[m.behavior_id] = [any(s < e2 and s2 < e for s2, e2 in gold_spans) for s, e in spans]
        quotes[m.behavior_id] = [c.quote for c in m.citations]
    cites.merge(mine)
    return SampleResult(
        id=sample.id,
        genre=sample.genre,
        predicted=sorted(predicted),
        gold=sorted(gold),
        partial=sorted(partial),
        false_positives=sorted(b for b, c in counts.items() if c.fp),
        false_negatives=sorted(b for b, c in counts.items() if c.fn),
        citations=citations,
        ranked=document_ranking(analysis, index.behavior_ids),
        tp=sum(c.tp for c in counts.values()),
        fp=sum(c.fp for c in counts.values()),
        fn=sum(c.fn for c in counts.values()),
        citation_counts=mine,
        citation_hits=hits,
        quotes=quotes,
        gold_evidence={label.behavior: list(label.evidence) for label in sample.labels},
        strengths={m.behavior_id: m.strength for m in result.matches},
    )


def evaluate(
    matcher: Matcher,
    samples: list[Sample],
    index: RubricIndex,
    dataset: Path,
    split: Split = "all",
    progress: bool = False,
    bias: bool = False,
    analyses: list[Analysis] | None = None,
) -> EvalRecord:
    """``analyses``: the samples already embedded and scored by this matcher's encoder and verifier,
    for runs that change only the decision or the judge (``eval.judge_errors``)."""
    started = time.perf_counter()
    created = datetime.now(UTC)
    texts = [s.text for s in samples]
    if analyses is None:
        analyses = analyze_samples(matcher, samples, index, progress)
    rubric = index.rubric
    area_of = {b.id: area.name for area, _, b in rubric.walk()}
    sets, cites = SetScores(), CitationScores()
    decided = decide_samples(matcher, texts, analyses, index, progress)
    usage = Usage()
    results = []
    for sample, analysis, result in zip(samples, analyses, decided, strict=True):
        if result.usage:
            for key, value in result.usage.model_dump().items():
                setattr(usage, key, getattr(usage, key) + value)
        results.append(_sample_result(sample, analysis, result, index, sets, cites, area_of))
    metrics = {
        **sets.metrics(),
        **cites.metrics(),
        **ranking_metrics([r.ranked for r in results], [set(r.gold) for r in results]),
        **strength_precision(results),
    }
    negatives = [r for r in results if not r.gold]
    if negatives:
        metrics["abstention"] = sum(not r.predicted for r in negatives) / len(negatives)
    if bias:
        for r, change in zip(
            results, swap_changes(matcher, samples, index, [set(r.predicted) for r in results], progress), strict=True
        ):
            r.bias = change
        metrics.update(bias_metrics(results))
    mentioned = {b for r in results for b in (*r.predicted, *r.gold, *r.partial, *r.ranked)}
    behaviors = {b.id: BehaviorInfo(area=area.name, text=b.text) for area, _, b in rubric.walk() if b.id in mentioned}
    return EvalRecord(
        record_version=RECORD_VERSION,
        run_id=new_run_id(created),
        created=created.isoformat(timespec="seconds"),
        dataset=str(dataset),
        dataset_sha256=file_sha256(dataset),
        split=split,
        samples=len(samples),
        rubric_id=rubric.id,
        rubric_fingerprint=rubric.fingerprint(),
        model=index.embedder.model_id,
        judge=matcher.judge_label,
        judge_fallbacks=sum(r.judge.status == "fallback" for r in decided),
        usage=usage,
        thresholds=matcher.params_for(index).model_dump(),
        git_commit=git_commit(),
        git_dirty=git_dirty(),
        python=platform.python_version(),
        seconds=round(time.perf_counter() - started, 3),
        metrics={k: round(v, 4) for k, v in metrics.items()},
        per_area=sets.breakdown(sets.per_area),
        per_behavior=sets.breakdown(sets.per_behavior),
        per_genre={g: {k: round(v, 4) for k, v in m.items()} for g, m in genre_metrics(results).items()},
        behaviors=behaviors,
        results=results,
    )
