"""Teach the verifier who acts: auxiliary targets from the corpus's actor and kind labels. An experiment.

    python -m evidence_matcher.eval.actor_auxiliary          # ~20 min on 2 cores
    python -m evidence_matcher.eval.actor_auxiliary --no-cv  # the dev fit split only, ~10 min

Every corpus sentence is labelled with its actor (the person reviewed, someone else, a
system, no one) and its kind (a deed, a plan, a timeline entry, a consequence...), but the
verifier learns only "is this pair evidence". The issue's diagnosis is that the matcher does
not tell what the person did from what happened around them; these labels say exactly that.
Here the verifier's hidden layer also predicts, per sentence, "the person reviewed acts" and
"it is a deed" (``verifier_train.train_mlp``'s ``aux``), which shapes the hidden layer and is
dropped afterwards: the shipped forward pass would not change. Measured as the other
deciders are: document-grouped corpus CV (the same folds as ``verifier_train``), then
trained on the whole corpus and scored on the dev set's fit split (best threshold for each
arm, as ``fit_split_training`` scores): three seeds one by one, and their mean logit, which is
what the shipped recipe is. One network per arm in CV. The test split is not read.
"""

from __future__ import annotations

import time

import numpy as np

from evidence_matcher.matcher.segment import segment_text

from . import verifier_train as vt
from .corpus import Document, labelled_segments, ladder_rubric
from .fit_split_training import best, describe, f1, fit_split_pairs

AUX_WEIGHTS = (0.3, 1.0)
FOLDS = 5  # verifier_train's default: the same document-grouped folds
SEEDS = (0, 1, 2)  # the shipped recipe averages three networks' logits
LATER = "p6-"  # the dev samples added to check the targets, after they were chosen


def sentence_targets(docs: list[Document], pairs: vt.PairSet) -> np.ndarray:
    """(pairs, 2): does the person reviewed act in the pair's sentence, is it a deed; NaN where no label covers it."""
    out = np.full((len(pairs.y), 2), np.nan, np.float32)
    for n, doc in enumerate(docs):
        per_row = vt.row_labels(labelled_segments(doc)[0], segment_text(doc.text))
        where = np.flatnonzero(pairs.doc == n)
        for i, row in zip(where, pairs.rows[where], strict=True):
            label = per_row[row] if row < len(per_row) else None
            if label is not None:
                out[i] = (label.actor == "subject", label.kind == "deed")
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m evidence_matcher.eval.actor_auxiliary")
    parser.add_argument("--no-cv", action="store_true", help="skip the corpus cross-validation")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    recipe = {**vt.RECIPE, "ensemble": 1}
    matcher = vt.retrieval_matcher()
    docs, short, pairs = vt.corpus_pairs(matcher, recipe)
    aux = sentence_targets(docs + short, pairs)
    known = ~np.isnan(aux[:, 0])
    print(
        f"{len(pairs.y)} pairs, {known.mean():.1%} with actor labels ({np.nanmean(aux[:, 0]):.1%} the person reviewed, "
        f"{np.nanmean(aux[:, 1]):.1%} deeds): {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    arms = {"verifier alone (shipped recipe, one network)": None} | {
        f"+ actor and deed targets, weight {w}": w for w in AUX_WEIGHTS
    }

    def train(mask: np.ndarray, weight: float | None, seed: int = 0) -> dict[str, np.ndarray]:
        extra = {} if weight is None else {"aux": aux[mask]}
        return vt.train_mlp(
            pairs.dense[mask],
            pairs.scalars[mask],
            pairs.y[mask],
            {**recipe, "seed": seed, "aux_weight": weight},
            **extra,
        )

    print("corpus CV, documents:" if not args.no_cv else "corpus CV skipped (--no-cv)")
    for name, weight in arms.items() if not args.no_cv else ():
        scores = []
        for train_idx, _ in vt.grouped_folds(pairs, FOLDS):
            train_mask = np.zeros(len(pairs.y), bool)
            train_mask[train_idx] = True
            prob = vt.predict(train(train_mask, weight), pairs.dense, pairs.scalars)
            threshold = vt.fold_threshold(pairs, prob, train_mask)
            scores.append(vt.doc_f1(pairs, prob, ~train_mask & ~pairs.excerpt, threshold))
        a = np.array(scores)
        print(
            f"  {name}: F1 {a[:, 2].mean():.3f} ± {a[:, 2].std():.3f} (P {a[:, 0].mean():.3f} R {a[:, 1].mean():.3f})",
            flush=True,
        )

    samples, fit = fit_split_pairs(matcher, recipe, pairs.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    print(f"dev fit split ({len(samples)} samples), trained on the whole corpus; seeds 0, 1, 2 and their mean logit:")
    everything = np.ones(len(pairs.y), bool)
    # The targets were chosen on the fit split before the p6-* samples joined it: those are the check.
    later = np.array([s.id.startswith(LATER) for s in samples])
    incident = np.array([s.genre == "incident-review" for s in samples])
    for name, weight in arms.items():
        logits, each = [], []
        for seed in SEEDS:
            model = train(everything, weight, seed)
            prob = vt.predict(model, fit.dense, fit.scalars)
            logits.append(np.log(np.clip(prob, 1e-6, 1.0)) - np.log(np.clip(1.0 - prob, 1e-6, 1.0)))
            each.append(f"{f1(best(samples, fit, bids, prob)[1]):.3f}")
        threshold, counts = best(samples, fit, bids, 1.0 / (1.0 + np.exp(-np.mean(logits, axis=0))))
        print(f"  {name}: seeds {' / '.join(each)}; mean logit {describe(samples, counts, threshold)}", flush=True)
        print(
            f"    at that threshold: earlier samples ({(~later).sum()}) {f1(counts[~later]):.3f}, "
            f"{LATER}* ({later.sum()}) {f1(counts[later]):.3f}, "
            f"their incident reviews ({(later & incident).sum()}) {f1(counts[later & incident]):.3f}",
            flush=True,
        )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
