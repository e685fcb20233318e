"""Does the verifier's shape hold it back? Measured for the README; nothing here ships.

    python -m evidence_matcher.eval.verifier_shape              # every variant, ~80 min on 2 cores
    python -m evidence_matcher.eval.verifier_shape wider        # one or more by name

The verifier is one hidden layer of 256 units per network, reading the sentence's vector and its
elementwise product with the behavior text's vector beside the scalar features. Each variant
changes one thing (``VARIANTS``). The protocol is ``eval.feature_groups``': both arms train the
shipped recipe (three networks, evidence bank out of fold) on the same corpus pairs, for two
seeds of the recipe (0: the shipped one, and 10); each reads the dev set's fit split at its own
best threshold there (optimistic for all alike), and a paired bootstrap over samples gives each
difference's interval. The test split is not read.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from evidence_matcher.matcher.verifier import FEATURE_NAMES, index_features

from . import verifier_train as vt
from .corpus import ladder_rubric
from .fit_split_training import best, describe, fit_split_pairs, paired_bootstrap

SEEDS = (0, 10)
VARIANTS = {
    "wider": "512 hidden units per network instead of 256",
    "more-networks": "six networks averaged instead of three (the same recipe run twice gives F1 within about 0.005)",
    "behavior-vector": "the behavior text's vector as inputs too (a network could learn each behavior's prior)",
    "difference": "|sentence - behavior| as inputs too (the pairing of sentence-pair classifiers)",
    "no-doc-rank": "without the two features that rank the sentence within its document (doc_rank, doc_gap): "
    "the dev set's documents are longer than the corpus's (median 20 sentences against 14)",
}
_DOC_RANK = [FEATURE_NAMES.index("doc_rank"), FEATURE_NAMES.index("doc_gap")]


def unknown_variant(name: str) -> str:
    return f"unknown variant {name!r} (known: {', '.join(VARIANTS)})"


def behavior_vectors(pairs: vt.PairSet, text_vecs: dict[str, np.ndarray]) -> np.ndarray:
    """(pairs, dim): each pair's behavior text vector; ``text_vecs``: per ladder, its behaviors' in column order."""
    dim = pairs.dense.shape[1] // 2
    out = np.zeros((len(pairs.y), dim), np.float32)
    ladder = np.asarray(pairs.ladder)[pairs.doc]
    for name in set(pairs.ladder):
        here = ladder == name
        out[here] = text_vecs[name][pairs.cols[here]]
    return out


def variant_inputs(
    variant: str, pairs: vt.PairSet, text_vecs: dict[str, np.ndarray], recipe: dict
) -> tuple[np.ndarray, np.ndarray, dict]:
    """The dense inputs, scalar columns and recipe a variant (or ``"shipped"``) trains and reads."""
    dense, scalars = pairs.dense, pairs.scalars
    if variant == "wider":
        return dense, scalars, {**recipe, "hidden": 2 * recipe["hidden"]}
    if variant == "more-networks":
        return dense, scalars, {**recipe, "ensemble": 2 * recipe["ensemble"]}
    if variant == "no-doc-rank":
        return dense, np.delete(scalars, _DOC_RANK, axis=1), recipe
    if variant in ("behavior-vector", "difference"):
        b = behavior_vectors(pairs, text_vecs)
        extra = b if variant == "behavior-vector" else np.abs(dense[:, : b.shape[1]] - b)
        return np.concatenate([dense, extra], axis=1), scalars, recipe
    if variant == "shipped":
        return dense, scalars, recipe
    raise ValueError(unknown_variant(variant))


def main(argv: list[str] | None = None) -> int:
    chosen = (sys.argv[1:] if argv is None else argv) or list(VARIANTS)
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        print(unknown_variant(unknown[0]), file=sys.stderr)
        return 2
    started = time.perf_counter()
    matcher = vt.retrieval_matcher()
    docs, short, corpus = vt.corpus_pairs(matcher, vt.RECIPE)
    samples, fit = fit_split_pairs(matcher, vt.RECIPE, corpus.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    text_vecs = {
        name: index_features(matcher.rubric_index(ladder_rubric(name))).text_vec
        for name in set(corpus.ladder) | set(fit.ladder)
    }
    print(f"{len(corpus.y)} corpus pairs, {len(fit.y)} fit pairs; {time.perf_counter() - started:.0f} s", flush=True)
    for seed in SEEDS:
        counts = {}
        for variant in ["shipped", *chosen]:
            dense, scalars, recipe = variant_inputs(variant, corpus, text_vecs, {**vt.RECIPE, "seed": seed})
            weights = vt.train_ensemble(dense, scalars, corpus.y, recipe)
            fit_dense, fit_scalars, _ = variant_inputs(variant, fit, text_vecs, recipe)
            threshold, counts[variant] = best(samples, fit, bids, vt.predict(weights, fit_dense, fit_scalars))
            line = f"seed {seed}, {variant}: {describe(samples, counts[variant], threshold)}"
            if variant != "shipped":
                low, high, above = paired_bootstrap(counts["shipped"], counts[variant])
                line += f"; minus shipped: {low:+.3f} to {high:+.3f}, above 0 in {above:.0%}"
            print(line, flush=True)
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
