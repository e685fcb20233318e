"""Compare two runs on the samples they share: metric deltas with paired bootstrap
confidence intervals, and the samples whose predictions changed.

Paired: each resample draws sample ids with replacement and scores *both* runs on the same
draw, so the interval is about the difference, not about each run's own noise. Every
metric is recomputed from per-sample counts (``eval/bootstrap.py``), never averaged from
per-sample scores. The percentile interval is used (2.5th and 97.5th of the deltas).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field

from .bootstrap import SampleTable
from .history import RunError
from .run import EvalRecord, SampleResult

RESAMPLES = 2000
SEED = 20240501
CONFIDENCE = 0.95


class RunSummary(BaseModel):
    run_id: str
    created: str
    model: str
    judge: str
    git_commit: str
    split: str
    samples: int
    rubric_fingerprint: str


class MetricDelta(BaseModel):
    key: str
    a: float
    b: float
    delta: float
    low: float = Field(description="Lower end of the bootstrap interval of b - a.")
    high: float
    significant: bool = Field(description="The interval excludes zero.")


class SampleChange(BaseModel):
    id: str
    gained: list[str] = Field(default_factory=list, description="Gold behaviors B finds and A missed.")
    lost: list[str] = Field(default_factory=list, description="Gold behaviors A found and B misses.")
    new_false_positives: list[str] = Field(default_factory=list)
    fixed_false_positives: list[str] = Field(
        default_factory=list, description="A's false positives B no longer returns."
    )
    other: list[str] = Field(
        default_factory=list, description="Partial (arguable) behaviors added or removed: not scored."
    )
    errors_a: int
    errors_b: int


class GenreDelta(BaseModel):
    genre: str
    samples: int
    delta: MetricDelta = Field(
        description="micro_f1 of the genre's shared samples, B - A, with its own paired bootstrap."
    )


class Comparison(BaseModel):
    dataset: str
    dataset_sha256: str
    a: RunSummary
    b: RunSummary
    shared_samples: int
    only_a: int
    only_b: int
    resamples: int
    seed: int
    confidence: float
    metrics: list[MetricDelta]
    per_genre: list[GenreDelta] = Field(default_factory=list)
    changed: list[SampleChange]


def summary(record: EvalRecord) -> RunSummary:
    return RunSummary(**record.model_dump(include=set(RunSummary.model_fields)))


def sample_change(a: SampleResult, b: SampleResult) -> SampleChange | None:
    pa, pb, gold = set(a.predicted), set(b.predicted), set(a.gold)
    if pa == pb:
        return None
    added, removed = pb - pa, pa - pb
    partial = set(a.partial) - gold
    return SampleChange(
        id=a.id,
        gained=sorted(added & gold),
        lost=sorted(removed & gold),
        new_false_positives=sorted(added - gold - partial),
        fixed_false_positives=sorted(removed - gold - partial),
        other=sorted((added | removed) & partial),
        errors_a=a.fp + a.fn,
        errors_b=b.fp + b.fn,
    )


def bootstrap_deltas(
    a: list[SampleResult],
    b: list[SampleResult],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> list[MetricDelta]:
    """Paired bootstrap over aligned samples (``a[i]`` and ``b[i]`` are the same sample)."""
    if not a or len(a) != len(b):
        raise RunError("the runs share no samples: nothing to compare")
    n = len(a)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(float)  # draw counts per sample
    full = np.ones((1, n))
    table_a, table_b = SampleTable(a), SampleTable(b)
    point_a, point_b = table_a.metrics(full), table_b.metrics(full)
    boot_a, boot_b = table_a.metrics(weights), table_b.metrics(weights)
    tail = (1 - confidence) / 2 * 100
    out = []
    for key in point_a:
        if key not in point_b:
            continue
        deltas = boot_b[key] - boot_a[key]
        deltas = deltas[~np.isnan(deltas)]
        low, high = np.percentile(deltas, [tail, 100 - tail]) if deltas.size else (np.nan, np.nan)
        va, vb = float(point_a[key][0]), float(point_b[key][0])
        out.append(
            MetricDelta(
                key=key,
                a=va,
                b=vb,
                delta=vb - va,
                low=float(low),
                high=float(high),
                significant=bool(low > 0 or high < 0),
            )
        )
    return out


def genre_deltas(
    a: list[SampleResult], b: list[SampleResult], resamples: int = RESAMPLES, seed: int = SEED
) -> list[GenreDelta]:
    """micro-F1 B - A per genre, each genre's samples resampled on their own."""
    genres = sorted({r.genre for r in a if r.genre})
    out = []
    for genre in genres:
        pairs = [(x, y) for x, y in zip(a, b, strict=True) if x.genre == genre]
        if not any(x.gold for x, _ in pairs):
            continue  # negatives only: no F1 to compare
        deltas = bootstrap_deltas([x for x, _ in pairs], [y for _, y in pairs], resamples, seed)
        out += [GenreDelta(genre=genre, samples=len(pairs), delta=d) for d in deltas if d.key == "micro_f1"]
    return out


def compare_records(a: EvalRecord, b: EvalRecord, resamples: int = RESAMPLES, seed: int = SEED) -> Comparison:
    if a.dataset_sha256 != b.dataset_sha256:
        raise RunError(
            "the runs used different datasets "
            f"({a.dataset}@{a.dataset_sha256[:12]} vs {b.dataset}@{b.dataset_sha256[:12]}): "
            "compare runs of the same dataset file"
        )
    by_id = {r.id: r for r in b.results}
    shared = [r.id for r in a.results if r.id in by_id]
    if not shared:
        raise RunError(
            "the runs share no samples "
            f"(A: {a.split} split, {a.samples} samples; B: {b.split} split, {b.samples} samples)"
        )
    a_rows = {r.id: r for r in a.results}
    ra, rb = [a_rows[i] for i in shared], [by_id[i] for i in shared]
    changes = [c for c in (sample_change(x, y) for x, y in zip(ra, rb, strict=True)) if c]
    changes.sort(
        key=lambda c: (-(len(c.gained) + len(c.lost) + len(c.new_false_positives) + len(c.fixed_false_positives)), c.id)
    )
    return Comparison(
        dataset=a.dataset,
        dataset_sha256=a.dataset_sha256,
        a=summary(a),
        b=summary(b),
        shared_samples=len(shared),
        only_a=len(a.results) - len(shared),
        only_b=len(b.results) - len(shared),
        resamples=resamples,
        seed=seed,
        confidence=CONFIDENCE,
        metrics=bootstrap_deltas(ra, rb, resamples, seed),
        per_genre=genre_deltas(ra, rb, resamples, seed),
        changed=changes,
    )
