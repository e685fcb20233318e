"""Would the dev set's writers teach the verifier more than the corpus does? Tried, measured, not shipped.

    python -m evidence_matcher.eval.fit_split_training      # ~20 min on 2 cores

The verifier scores 0.74 F1 in cross-validation on its corpus and 0.65 on the dev set's fit
split, which other writers wrote. If the gap were the writers' style and labelling, training on
documents like theirs should close part of it. This trains on the corpus plus four fifths of
the fit split (each fit document repeated ``weight`` times) and scores the other fifth, five
times over (grouped by sample), against the corpus alone scored on the same documents; a
paired bootstrap over samples gives the difference's interval. Arguable (partial) behaviors are
neither trained on nor scored. One network per model (the shipped recipe averages three), the
same for both arms. Each arm's threshold is its best on the pooled out-of-fold probabilities
(optimistic for both alike). The test split is not read. An experiment recorded for the
README, not part of the product: shipping it would leave the fit split nothing clean to choose on.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from . import verifier_train as vt
from .corpus import Document, Segment, ladder_rubric
from .dataset import Sample

WEIGHTS = (1, 3, 10)
FOLDS = 5
THRESHOLDS = np.round(np.arange(0.3, 0.96, 0.01), 2)


def as_document(sample: Sample) -> Document:
    """A dev sample in the corpus's shape: its gold quotes as labelled segments (the rest are negatives)."""
    segments = [
        Segment(quote=quote, behaviors=[label.behavior], actor="subject", kind="deed")
        for label in sample.labels
        for quote in label.evidence
    ]
    return Document(id=sample.id, ladder="ic6", genre=sample.genre or "other", text=sample.text, segments=segments)


def fit_split_samples() -> list[Sample]:
    """The IC6 dev set's fit split (the set choices are made on)."""
    from .esco import load_eval_data

    dev = Path(__file__).resolve().parent / "datasets" / "ic6-dev.jsonl"
    return load_eval_data(dev, None, "fit", "ic6-principal-reliability-engineer")[1]


def fit_split_pairs(matcher, recipe: dict, bank=None) -> tuple[list[Sample], vt.PairSet]:
    """The dev set's fit split and its candidate pairs, labelled from its gold quotes; ``bank``:
    the corpus's evidence bank (``corpus_pairs(...)[2].bank``), read as the product reads it."""
    samples = fit_split_samples()
    return samples, vt.build_pairs([as_document(s) for s in samples], matcher, recipe["candidates"], bank=bank)


def per_sample_counts(samples: list[Sample], pairs: vt.PairSet, bids: list[str], prob: np.ndarray, threshold: float):
    """(samples, 3) true positives, false positives, false negatives of each sample's behaviors."""
    out = np.zeros((len(samples), 3), np.int64)
    hit = prob >= threshold
    for d, sample in enumerate(samples):
        predicted = {bids[c] for c in pairs.cols[(pairs.doc == d) & hit]} - set(sample.partial)
        out[d] = len(predicted & sample.gold), len(predicted - sample.gold), len(sample.gold - predicted)
    return out


def f1(counts: np.ndarray) -> float:
    tp, fp, fn = counts.sum(axis=0)
    return float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0


def best(samples, pairs, bids, prob) -> tuple[float, np.ndarray]:
    threshold = max(THRESHOLDS, key=lambda t: (f1(per_sample_counts(samples, pairs, bids, prob, t)), t))
    return float(threshold), per_sample_counts(samples, pairs, bids, prob, threshold)


def describe(samples: list[Sample], counts: np.ndarray, threshold: float) -> str:
    tp, fp, fn = counts.sum(axis=0)
    genres = [g for g in ("incident-review", "promo-doc", "short-note") if any(s.genre == g for s in samples)]
    genre = {g: f1(counts[np.array([s.genre == g for s in samples])]) for g in genres}
    per = ", ".join(f"{g} {v:.3f}" for g, v in genre.items())
    return f"F1 {f1(counts):.3f} (P {tp / max(1, tp + fp):.3f} R {tp / max(1, tp + fn):.3f}) at {threshold:.2f}; {per}"


def paired_bootstrap(a: np.ndarray, b: np.ndarray, rounds: int = 2000) -> tuple[float, float, float]:
    """F1(b) - F1(a) over resampled samples: its 95% interval and how often it is above 0."""
    rng = np.random.default_rng(0)
    deltas = []
    for _ in range(rounds):
        i = rng.integers(0, len(a), len(a))
        deltas.append(f1(b[i]) - f1(a[i]))
    low, high = np.percentile(deltas, [2.5, 97.5])
    return float(low), float(high), float(np.mean(np.array(deltas) > 0))


def main() -> None:
    started = time.perf_counter()
    recipe = {**vt.RECIPE, "ensemble": 1}
    matcher = vt.retrieval_matcher()
    _, _, corpus = vt.corpus_pairs(matcher, recipe)
    samples, fit = fit_split_pairs(matcher, recipe, corpus.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    trainable = np.array([bids[c] not in samples[d].partial for d, c in zip(fit.doc, fit.cols, strict=True)])
    print(f"{len(corpus.y)} corpus pairs, {len(fit.y)} fit-split pairs: {time.perf_counter() - started:.0f} s")

    alone = vt.train_ensemble(corpus.dense, corpus.scalars, corpus.y, recipe)
    threshold, base = best(samples, fit, bids, vt.predict(alone, fit.dense, fit.scalars))
    print(f"corpus alone: {describe(samples, base, threshold)}", flush=True)
    from sklearn.model_selection import GroupKFold

    for weight in WEIGHTS:
        oof = np.zeros(len(fit.y), np.float32)
        for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(fit.y, fit.y, fit.doc):
            rep = np.tile(train_idx[trainable[train_idx]], weight)
            model = vt.train_ensemble(
                np.concatenate([corpus.dense, fit.dense[rep]]),
                np.concatenate([corpus.scalars, fit.scalars[rep]]),
                np.concatenate([corpus.y, fit.y[rep]]),
                recipe,
            )
            oof[test_idx] = vt.predict(model, fit.dense[test_idx], fit.scalars[test_idx])
        threshold, counts = best(samples, fit, bids, oof)
        low, high, above = paired_bootstrap(base, counts)
        print(
            f"corpus + {weight}x the other folds of the fit split: {describe(samples, counts, threshold)}; "
            f"difference {f1(counts) - f1(base):+.3f} (95% interval {low:+.3f} to {high:+.3f}, above 0 in {above:.0%})",
            flush=True,
        )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
