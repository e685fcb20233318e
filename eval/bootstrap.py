"""Every metric of a record, recomputed from its per-sample parts under sample weights.

A row of weights says how many times each sample is drawn: all ones is the run itself
(``tests/test_eval_history.py`` checks that this reproduces the record's metrics), a
multinomial draw is one bootstrap resample. Sums of per-sample counts are matrix products,
so 2,000 resamples of a few hundred samples take milliseconds.
"""

from __future__ import annotations

import numpy as np

from .metrics import STRENGTHS, ranking_metrics, sample_counts, strength_counts
from .run import SampleResult

RANKING_KEYS = ("rp@5", "rp@10", "mrr", "ndcg@10")
CITATION_FIELDS = ("hit", "returned", "hit_all", "returned_all", "gold_found", "gold_total")


def _ratio(num: np.ndarray, den: np.ndarray, empty: float = 0.0) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), empty)


def _f1(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    return _ratio(2 * p * r, p + r)


class SampleTable:
    """The per-sample parts of every metric, as arrays with one row per sample."""

    def __init__(self, results: list[SampleResult]):
        self.ids = [r.id for r in results]
        n = len(results)
        per_sample = [sample_counts(set(r.predicted), set(r.gold), set(r.partial)) for r in results]
        behaviors = sorted({b for counts in per_sample for b in counts})
        col = {b: j for j, b in enumerate(behaviors)}
        self.tp, self.fp, self.fn = (np.zeros((n, len(behaviors))) for _ in range(3))
        for i, counts in enumerate(per_sample):
            for b, c in counts.items():
                self.tp[i, col[b]], self.fp[i, col[b]], self.fn[i, col[b]] = c.tp, c.fp, c.fn
        self.cite = np.array(
            [[getattr(r.citation_counts, f) for f in CITATION_FIELDS] for r in results], dtype=float
        ).reshape(n, len(CITATION_FIELDS))
        self.has_gold = np.array([bool(r.gold) for r in results])
        rank = [ranking_metrics([r.ranked], [set(r.gold)]) for r in results]
        self.rank = np.array([[m.get(k, 0.0) for k in RANKING_KEYS] for m in rank], dtype=float).reshape(
            n, len(RANKING_KEYS)
        )
        self.abstained = np.array([not r.predicted for r in results], dtype=float)
        per_strength = [strength_counts(r) for r in results]  # (samples, strengths, tp/fp)
        self.strength = np.array([[(c[s].tp, c[s].fp) for s in STRENGTHS] for c in per_strength], dtype=float).reshape(
            n, len(STRENGTHS), 2
        )
        self.bias = [r.bias for r in results]
        self.bias_counts = np.zeros((n, 3))  # tp, fp, fn of the predictions on the swapped text
        for i, r in enumerate(results):
            if r.bias is not None:
                after = (set(r.predicted) | set(r.bias.added)) - set(r.bias.removed)
                for c in sample_counts(after, set(r.gold), set(r.partial)).values():
                    self.bias_counts[i] += (c.tp, c.fp, c.fn)

    def metrics(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        """Metrics per weight row: ``weights`` is (resamples, samples); each value is (resamples,)."""
        w = np.atleast_2d(np.asarray(weights, dtype=float))
        tp, fp, fn = w @ self.tp, w @ self.fp, w @ self.fn  # (R, behaviors)
        out: dict[str, np.ndarray] = {}
        TP, FP, FN = tp.sum(1), fp.sum(1), fn.sum(1)
        p, r = _ratio(TP, TP + FP), _ratio(TP, TP + FN)
        out.update(micro_precision=p, micro_recall=r, micro_f1=_f1(p, r))
        bp, br = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        supported = (tp + fn) > 0  # behaviors with gold support in this resample
        n_sup = np.maximum(supported.sum(1), 1)
        out.update(
            macro_precision=(bp * supported).sum(1) / n_sup,
            macro_recall=(br * supported).sum(1) / n_sup,
            macro_f1=(_f1(bp, br) * supported).sum(1) / n_sup,
        )
        c = w @ self.cite
        out.update(
            citation_precision=_ratio(c[:, 0], c[:, 1]),
            citation_precision_all=_ratio(c[:, 2], c[:, 3]),
            citation_recall=_ratio(c[:, 4], c[:, 5]),
        )
        gold_w = w * self.has_gold
        if self.has_gold.any():
            for j, key in enumerate(RANKING_KEYS):
                out[key] = _ratio(gold_w @ self.rank[:, j], gold_w.sum(1), np.nan)
        neg_w = w * ~self.has_gold
        if (~self.has_gold).any():
            out["abstention"] = _ratio(neg_w @ self.abstained, neg_w.sum(1), np.nan)
        flagged = self.strength.sum(axis=(0, 2)) > 0  # the record has a figure only for strengths it used
        for j, strength in enumerate(STRENGTHS):
            if flagged[j]:
                tp_s = w @ self.strength[:, j, 0]
                out[f"precision.{strength}"] = _ratio(tp_s, tp_s + w @ self.strength[:, j, 1])
        if self.bias and all(b is not None for b in self.bias):
            out.update(self._bias(w))
        return out

    def _bias(self, w: np.ndarray) -> dict[str, np.ndarray]:
        swapped = np.array([b.swaps > 0 for b in self.bias], dtype=float)
        changed = np.array([bool(b.added or b.removed) for b in self.bias], dtype=float)
        added = np.array([len(b.added) for b in self.bias], dtype=float)
        removed = np.array([len(b.removed) for b in self.bias], dtype=float)
        m = w @ self.bias_counts
        p, r = _ratio(m[:, 0], m[:, 0] + m[:, 1]), _ratio(m[:, 0], m[:, 0] + m[:, 2])
        return {
            "bias.swapped_samples": w @ swapped,
            "bias.changed_samples": w @ changed,
            "bias.changed_share": _ratio(w @ changed, w.sum(1)),
            "bias.added": w @ added,
            "bias.removed": w @ removed,
            "bias.micro_f1": _f1(p, r),
        }
