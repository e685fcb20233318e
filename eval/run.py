"""Run the matcher over a dataset and score it: one record per run, pydantic all the way."""

from __future__ import annotations

import platform
import subprocess
import time
from pathlib import Path

from pydantic import BaseModel, Field

from index.rubric_index import RubricIndex
from matcher.decision import Analysis
from matcher.engine import Matcher
from matcher.result import MatchResult, Usage

from .dataset import Sample, Split, file_sha256
from .metrics import CitationScores, SetScores, ranking_metrics, sample_counts

BATCH = 16
PRIMARY_METRIC = "micro_f1"


class SampleResult(BaseModel):
    id: str
    predicted: list[str]
    gold: list[str]
    partial: list[str]
    false_positives: list[str]
    false_negatives: list[str]
    citations: dict[str, list[tuple[int, int]]]
    ranked: list[str] = Field(description="Behaviors by document-level score, best first (top 10).")


class EvalRecord(BaseModel):
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
    python: str
    seconds: float
    primary_metric: str = PRIMARY_METRIC
    metrics: dict[str, float]
    per_area: dict[str, dict[str, float | int]]
    per_behavior: dict[str, dict[str, float | int]]
    results: list[SampleResult]


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, cwd=Path(__file__).parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def analyze_samples(matcher: Matcher, samples: list[Sample], index: RubricIndex, progress: bool = False) -> list[Analysis]:
    chunks = [samples[i : i + BATCH] for i in range(0, len(samples), BATCH)]
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc="embedding", unit="batch", leave=False)
    out: list[Analysis] = []
    for chunk in chunks:
        out += matcher.analyze_many([s.text for s in chunk], index)
    return out


def document_ranking(analysis: Analysis, behavior_ids: list[str], top: int = 10) -> list[str]:
    if analysis.scores.shape[0] == 0:
        return []
    best = analysis.scores.max(axis=0)
    return [behavior_ids[i] for i in (-best).argsort(kind="stable")[:top]]


def evaluate(matcher: Matcher, samples: list[Sample], index: RubricIndex, dataset: Path, split: Split = "all", progress: bool = False) -> EvalRecord:
    started = time.perf_counter()
    analyses = analyze_samples(matcher, samples, index, progress)
    rubric = index.rubric
    area_of = {b.id: area.name for area, _, b in rubric.walk()}
    sets, cites = SetScores(), CitationScores()
    results, ranked, golds = [], [], []
    decided = matcher.decide_many([s.text for s in samples], analyses, index)
    usage = Usage()
    for sample, analysis, result in zip(samples, analyses, decided):
        if result.usage:
            for key, value in result.usage.model_dump().items():
                setattr(usage, key, getattr(usage, key) + value)
        predicted = {m.behavior_id for m in result.matches}
        gold, partial = sample.gold, set(sample.partial)
        counts = sample_counts(predicted, gold, partial)
        sets.add(counts, area_of)
        citations = {m.behavior_id: [(c.start, c.end) for c in m.citations] for m in result.matches}
        for bid, spans in citations.items():
            cites.add(bid, spans, sample.spans(bid), scored=bid in counts)
        ranking = document_ranking(analysis, index.behavior_ids)
        ranked.append(ranking)
        golds.append(gold)
        results.append(
            SampleResult(
                id=sample.id,
                predicted=sorted(predicted),
                gold=sorted(gold),
                partial=sorted(partial),
                false_positives=sorted(b for b, c in counts.items() if c.fp),
                false_negatives=sorted(b for b, c in counts.items() if c.fn),
                citations=citations,
                ranked=ranking,
            )
        )
    metrics = {**sets.metrics(), **cites.metrics(), **ranking_metrics(ranked, golds)}
    negatives = [r for r in results if not r.gold]
    if negatives:
        metrics["abstention"] = sum(not r.predicted for r in negatives) / len(negatives)
    return EvalRecord(
        dataset=str(dataset),
        dataset_sha256=file_sha256(dataset),
        split=split,
        samples=len(samples),
        rubric_id=rubric.id,
        rubric_fingerprint=rubric.fingerprint(),
        model=index.embedder.model_id,
        judge=f"llm:{matcher.judge.model.model_id}" if matcher.judge else "offline",
        judge_fallbacks=sum(r.judge.status == "fallback" for r in decided),
        usage=usage,
        thresholds=matcher.params.model_dump(),
        git_commit=git_commit(),
        python=platform.python_version(),
        seconds=round(time.perf_counter() - started, 3),
        metrics={k: round(v, 4) for k, v in metrics.items()},
        per_area=sets.breakdown(sets.per_area),
        per_behavior=sets.breakdown(sets.per_behavior),
        results=results,
    )
