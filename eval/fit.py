"""Fit the decision parameters on the fit split of a development set.

A grid search over (item_top_k, threshold, max_rank) maximising micro-F1, ties broken by higher
precision; strength cut-offs are the terciles of the true positives' scores at the
chosen parameters. Report quality on the other split: never on what was fitted.
"""

from __future__ import annotations

import numpy as np

from index.rubric_index import RubricIndex
from matcher.decision import DecisionParams, evidence_mask
from matcher.engine import Analysis

from .dataset import Sample
from .metrics import Counts, sample_counts

THRESHOLDS = np.round(np.arange(0.25, 0.85, 0.01), 2)
MAX_RANKS = (1, 2, 3, 4, 5)
ITEM_TOP_KS = (1, 2, 3)


def _predicted(analysis: Analysis, behavior_ids: list[str], threshold: float, max_rank: int) -> dict[str, float]:
    mask = evidence_mask(analysis.scores, threshold, max_rank)
    cols = np.flatnonzero(mask.any(axis=0))
    return {behavior_ids[c]: float(analysis.scores[mask[:, c], c].max()) for c in cols}


def micro_counts(samples: list[Sample], analyses: list[Analysis], behavior_ids: list[str], threshold: float, max_rank: int) -> tuple[Counts, list[float]]:
    total, tp_scores = Counts(), []
    for sample, analysis in zip(samples, analyses):
        predicted = _predicted(analysis, behavior_ids, threshold, max_rank)
        for bid, c in sample_counts(set(predicted), sample.gold, set(sample.partial)).items():
            total.add(c)
            if c.tp:
                tp_scores.append(predicted[bid])
    return total, tp_scores


def rescored(analyses: list[Analysis], index: RubricIndex, item_top_k: int) -> list[Analysis]:
    out = []
    for a in analyses:
        scores, best = index.behavior_scores(a.vectors, item_top_k)
        out.append(Analysis(a.segments, a.vectors, scores, best))
    return out


def fit_params(samples: list[Sample], analyses: list[Analysis], index: RubricIndex, fitted_on: str, model_id: str) -> tuple[DecisionParams, dict]:
    behavior_ids = index.behavior_ids
    best = None
    for item_top_k in ITEM_TOP_KS:
        scored = rescored(analyses, index, item_top_k)
        for max_rank in MAX_RANKS:
            for threshold in THRESHOLDS:
                counts, _ = micro_counts(samples, scored, behavior_ids, float(threshold), max_rank)
                p, r, f = counts.prf()
                key = (round(f, 6), round(p, 6))
                if best is None or key > best[0]:
                    best = (key, float(threshold), max_rank, item_top_k, (p, r, f))
    _, threshold, max_rank, item_top_k, (p, r, f) = best
    _, tp_scores = micro_counts(samples, rescored(analyses, index, item_top_k), behavior_ids, threshold, max_rank)
    moderate, strong = (np.quantile(tp_scores, [1 / 3, 2 / 3]) if tp_scores else (threshold, threshold))
    params = DecisionParams(
        threshold=threshold,
        max_rank=max_rank,
        item_top_k=item_top_k,
        moderate=round(float(moderate), 4),
        strong=round(float(strong), 4),
        fitted_on=fitted_on,
        model_id=model_id,
    )
    return params, {"fit_micro_precision": p, "fit_micro_recall": r, "fit_micro_f1": f, "fit_samples": len(samples)}
