"""A context head over the verifier's probabilities: tried, measured, not shipped.

    python -m evidence_matcher.eval.context_head      # ~15 min on 2 cores: corpus CV, then the dev fit split

The shipped verifier reads one (sentence, behavior) pair at a time, so a detailed sentence
can clear the threshold for three neighbouring behaviors, and a long incident review
collects stray hits. A second-stage MLP could let them compete: it reads each pair's
first-stage probability beside its sentence's other behaviors and its behavior's other
sentences (``context_features``), trained on out-of-fold first-stage probabilities (so it
learns from probabilities like those of unseen text).

Beside the heads, a rule with nothing to train: a sentence's best behavior needs the
threshold, its runners-up the threshold plus ``delta`` (both chosen where the threshold is).

Two measurements, the two places choices are made (never the dev test split):
1. corpus CV, grouped by document (the same folds as ``verifier_train``); each head is one
   network here (the first stage is its shipped three-seed recipe);
2. the dev set's fit split: each head trained on all out-of-fold probabilities, applied to
   the shipped verifier's probabilities, its threshold fitted there (micro-F1, as
   ``evidence eval fit`` does), and abstention at that threshold.
An experiment recorded for the README, not part of the product.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.matcher.decision import evidence_mask
from evidence_matcher.matcher.spec import MatcherSpec
from evidence_matcher.matcher.verifier import candidate_pairs

from . import verifier_train as vt

COMPETITION = [
    "logit",
    "sentence_best_other",
    "sentence_rank",
    "sentence_count",
    "behavior_best_other",
    "behavior_rank",
    "behavior_count",
]
DOCUMENT = ["neighbour_best", "doc_evidence_share", "doc_mean_best", "doc_sentences", "behavior_noisy_or"]
CONTEXT_NAMES = COMPETITION + DOCUMENT
HEAD = {"hidden": 32, "epochs": 8, "dropout": 0.1, "ensemble": 1}
RUNNER_UP_DELTAS = np.round(np.arange(0.0, 0.32, 0.02), 2)  # 0: one threshold for every behavior of a sentence
FOLDS = 5  # verifier_train's default: the same document-grouped folds
_EPS = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def context_features(rows: np.ndarray, cols: np.ndarray, prob: np.ndarray, n_segments: int) -> np.ndarray:
    """(pairs, len(CONTEXT_NAMES)) for one document's candidate pairs and their probabilities."""
    if len(rows) == 0:
        return np.zeros((0, len(CONTEXT_NAMES)), np.float32)
    n_beh = int(cols.max()) + 1
    m = np.zeros((n_segments, n_beh), np.float32)  # non-candidates: 0
    m[rows, cols] = prob
    row_rank = np.argsort(np.argsort(-m, axis=1, kind="stable"), axis=1, kind="stable")[rows, cols]
    col_rank = np.argsort(np.argsort(-m, axis=0, kind="stable"), axis=0, kind="stable")[rows, cols]
    by_row, by_col = -np.sort(-m, axis=1), -np.sort(-m, axis=0)
    row_second = by_row[:, 1] if n_beh > 1 else np.zeros(n_segments, np.float32)
    col_second = by_col[1] if n_segments > 1 else np.zeros(n_beh, np.float32)
    row_other = np.where(row_rank == 0, row_second[rows], by_row[rows, 0])  # best of the *other* behaviors
    col_other = np.where(col_rank == 0, col_second[cols], by_col[0, cols])  # best of the *other* sentences
    high = m >= 0.5
    best = by_row[:, 0]
    neighbour = np.maximum(np.r_[0.0, best[:-1]], np.r_[best[1:], 0.0])
    noisy_or = 1 - np.exp(np.log1p(-np.clip(m, 0, 1 - _EPS)).sum(axis=0))
    n = len(rows)
    return np.stack(
        [
            _logit(prob),
            _logit(row_other),
            np.log1p(row_rank),
            np.log1p(high.sum(axis=1)[rows]),
            _logit(col_other),
            np.log1p(col_rank),
            np.log1p(high.sum(axis=0)[cols]),
            _logit(neighbour[rows]),
            np.full(n, high.any(axis=1).mean()),
            np.full(n, best.mean()),
            np.full(n, np.log1p(n_segments)),
            _logit(noisy_or[cols]),
        ],
        axis=1,
    ).astype(np.float32)


def corpus_context(pairs: vt.PairSet, prob: np.ndarray) -> np.ndarray:
    """``context_features`` of every corpus document (build_pairs keeps a document's pairs together)."""
    out = np.zeros((len(prob), len(CONTEXT_NAMES)), np.float32)
    bounds = np.flatnonzero(np.diff(pairs.doc)) + 1
    for start, end in zip(np.r_[0, bounds], np.r_[bounds, len(prob)], strict=True):
        rows = pairs.rows[start:end]
        out[start:end] = context_features(rows, pairs.cols[start:end], prob[start:end], int(rows.max()) + 1)
    return out


VARIANTS = {  # name: (context columns, with the pair's own scalars)
    "competition only (sentence and behavior ranks, best others, counts)": (COMPETITION, False),
    "competition + document (neighbours, evidence share, length, noisy-OR)": (CONTEXT_NAMES, False),
    "competition + document + the pair's own scalars": (CONTEXT_NAMES, True),
}


def sentence_best(doc: np.ndarray, rows: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Per pair (its document and sentence): is it its sentence's most probable behavior?
    (The first of equals, as a stable sort.)"""
    return vt.sentence_rank(doc, rows, prob) == 0


def runner_up_shift(prob: np.ndarray, best: np.ndarray, delta: float) -> np.ndarray:
    """Probabilities under which one threshold t means t for a sentence's best behavior and t + delta for the others."""
    return np.where(best, prob, prob - delta)


def head_inputs(context: np.ndarray, scalars: np.ndarray, names: list[str], with_scalars: bool) -> np.ndarray:
    x = context[:, [CONTEXT_NAMES.index(n) for n in names]]
    return np.concatenate([x, scalars], axis=1) if with_scalars else x


def train_head(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    return vt.train_ensemble(np.zeros((len(y), 0), np.float32), x, y, {**vt.RECIPE, **HEAD}, use_dense=False)


def head_predict(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    return vt.predict(weights, np.zeros((len(x), 0), np.float32), x)


def main() -> None:
    started = time.perf_counter()
    _, _, pairs = vt.corpus_pairs(vt.retrieval_matcher())
    oof = _out_of_fold(pairs)
    context = corpus_context(pairs, oof)
    print(f"corpus pairs and out-of-fold probabilities: {time.perf_counter() - started:.0f} s", flush=True)

    def cv(prob_of) -> str:
        scores, excerpt = [], []
        for train_idx, _ in vt.grouped_folds(pairs, FOLDS):
            train = np.zeros(len(oof), bool)
            train[train_idx] = True
            prob = prob_of(train)
            threshold = vt.fold_threshold(pairs, prob, train)
            scores.append(vt.doc_f1(pairs, prob, ~train & ~pairs.excerpt, threshold))
            excerpt.append(vt.doc_f1(pairs, prob, ~train & pairs.excerpt, threshold)[2])
        a = np.array(scores)
        return f"F1 {a[:, 2].mean():.3f} ± {a[:, 2].std():.3f} (P {a[:, 0].mean():.3f} R {a[:, 1].mean():.3f}), " + (
            f"excerpts {np.mean(excerpt):.3f}"
        )

    print("corpus CV, documents:")
    print(f"  first stage alone (shipped): {cv(lambda train: oof)}", flush=True)
    best = sentence_best(pairs.doc, pairs.rows, oof)

    def runner_up_rule(train: np.ndarray) -> np.ndarray:  # delta chosen on the training folds, as the threshold
        def train_f1(delta: float) -> float:
            shifted = runner_up_shift(oof, best, delta)
            return vt.doc_f1(pairs, shifted, train, vt.fold_threshold(pairs, shifted, train))[2]

        delta = max(RUNNER_UP_DELTAS, key=train_f1)
        print(f"    (fold: runner-up delta {delta:.2f})", flush=True)
        return runner_up_shift(oof, best, delta)

    print(f"  rule: runners-up need the threshold + delta: {cv(runner_up_rule)}", flush=True)
    for name, (names, with_scalars) in VARIANTS.items():
        x = head_inputs(context, pairs.scalars, names, with_scalars)
        print(f"  {name}: {cv(lambda train, x=x: head_predict(train_head(x[train], pairs.y[train]), x))}", flush=True)

    # The dev set's fit split: the shipped verifier's probabilities, then each head.
    from .analysis import analyze_samples
    from .esco import load_eval_data
    from .fit import VERIFIER_THRESHOLDS, best_threshold

    matcher = MatcherSpec(default_cache_dir()).load()
    dev = Path(__file__).resolve().parent / "datasets" / "ic6-dev.jsonl"
    rubric, samples, _ = load_eval_data(dev, None, "fit", "ic6-principal-reliability-engineer")
    index = matcher.rubric_index(rubric)
    analyses = analyze_samples(matcher, samples, index)
    feats = matcher.index_features(index)
    k = matcher.verifier.candidates
    batches = [candidate_pairs(a, s.text, index, feats, k) for a, s in zip(analyses, samples, strict=True)]

    def fit_split(apply) -> str:
        rescored = []
        for analysis, batch in zip(analyses, batches, strict=True):
            evidence = np.zeros_like(analysis.evidence)
            prob = analysis.evidence[batch.rows, batch.cols]
            if len(prob):
                evidence[batch.rows, batch.cols] = apply(batch, prob, len(analysis.segments))
            rescored.append(dataclasses.replace(analysis, evidence=evidence))
        threshold, (p, r, f) = best_threshold(samples, rescored, index.behavior_ids, VERIFIER_THRESHOLDS, 10_000)
        negatives = [a for a, s in zip(rescored, samples, strict=True) if not s.gold]
        quiet = sum(not evidence_mask(a.support, threshold, 10_000).any() for a in negatives)
        return f"F1 {f:.3f} (P {p:.3f} R {r:.3f}) at {threshold:.2f}, abstention {quiet / max(1, len(negatives)):.3f}"

    print(f"dev fit split ({len(samples)} samples):")
    print(f"  first stage alone (shipped): {fit_split(lambda batch, prob, n: prob)}", flush=True)
    for delta in RUNNER_UP_DELTAS[1:]:

        def rule(batch, prob, n, delta=delta):
            top = sentence_best(np.zeros_like(batch.rows), batch.rows, prob)
            return np.clip(runner_up_shift(prob, top, delta), 0.0, None)

        print(f"  rule, runner-up delta {delta:.2f}: {fit_split(rule)}", flush=True)
    for name, (names, with_scalars) in VARIANTS.items():
        weights = train_head(head_inputs(context, pairs.scalars, names, with_scalars), pairs.y)

        def apply(batch, prob, n, names=names, with_scalars=with_scalars, weights=weights):
            x = head_inputs(context_features(batch.rows, batch.cols, prob, n), batch.scalars, names, with_scalars)
            return head_predict(weights, x)

        print(f"  {name}: {fit_split(apply)}", flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


def _out_of_fold(pairs: vt.PairSet) -> np.ndarray:
    """Each pair's first-stage probability from the shipped recipe trained without its document's fold."""
    prob = np.zeros(len(pairs.y), np.float32)
    for train_idx, test_idx in vt.grouped_folds(pairs, FOLDS):
        weights = vt.train_ensemble(pairs.dense[train_idx], pairs.scalars[train_idx], pairs.y[train_idx], vt.RECIPE)
        prob[test_idx] = vt.predict(weights, pairs.dense[test_idx], pairs.scalars[test_idx])
    return prob


if __name__ == "__main__":
    main()
