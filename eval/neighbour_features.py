"""Do the sentences around a candidate help the verifier? Measured for the README; chose the shipped features.

    python -m evidence_matcher.eval.neighbour_features      # ~35 min on 2 cores

The verifier read each (sentence, behavior) pair on its own: the sentence, its structure, and
what its nearest labelled corpus sentences were filed under (the evidence bank). Read on the dev
fit split, most of its errors are the right sentence filed under a neighbouring behavior. A deed
is often told over two or three sentences, and the sentences around one say which behavior the
passage is about. ``matcher.verifier.NEIGHBOUR_NAMES``: the same behavior's retrieval score and
bank vote on the previous and next sentence (0 where it was not among their candidates), and the
larger of each pair.

Both arms train the shipped recipe (three networks, evidence bank out of fold) on the same corpus
pairs, one without those columns and one with them, for two seeds of the recipe (0: the shipped
one, and 10), and read the dev set's fit split (gold quotes as labelled sentences, each arm at its
best threshold there: optimistic for all alike); a paired bootstrap over samples gives each
difference's interval. The test split is not read.
"""

from __future__ import annotations

import time

from evidence_matcher.matcher.verifier import FEATURE_NAMES, NEIGHBOUR_NAMES

from . import verifier_train as vt
from .corpus import ladder_rubric
from .fit_split_training import best, describe, fit_split_pairs, paired_bootstrap

SEEDS = (0, 10)
WITHOUT = [i for i, name in enumerate(FEATURE_NAMES) if name not in NEIGHBOUR_NAMES]


def main() -> int:
    started = time.perf_counter()
    matcher = vt.retrieval_matcher()
    _, _, corpus = vt.corpus_pairs(matcher, vt.RECIPE)
    samples, fit = fit_split_pairs(matcher, vt.RECIPE, corpus.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    print(f"{len(corpus.y)} corpus pairs, {len(fit.y)} fit pairs; {time.perf_counter() - started:.0f} s", flush=True)
    counts = {}
    for seed in SEEDS:
        recipe = {**vt.RECIPE, "seed": seed}
        for arm, columns in (("without", WITHOUT), ("with", list(range(len(FEATURE_NAMES))))):
            weights = vt.train_ensemble(corpus.dense, corpus.scalars[:, columns], corpus.y, recipe)
            prob = vt.predict(weights, fit.dense, fit.scalars[:, columns])
            threshold, counts[arm, seed] = best(samples, fit, bids, prob)
            label = f"{arm} the neighbour features, seed {seed}"
            print(f"{label}: {describe(samples, counts[arm, seed], threshold)}", flush=True)
        low, high, above = paired_bootstrap(counts["without", seed], counts["with", seed])
        print(f"seed {seed}, with - without: 95% interval {low:+.3f} to {high:+.3f}, above 0 in {above:.0%}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
