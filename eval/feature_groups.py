"""Does a group of the verifier's features help? Measured for the README; chose the shipped features.

    python -m evidence_matcher.eval.feature_groups neighbour      # ~35 min on 2 cores
    python -m evidence_matcher.eval.feature_groups competition    # measured, not shipped

The groups, in the order they were tried:

- ``neighbour`` (``matcher.verifier.NEIGHBOUR_NAMES``, shipped): read on the dev fit split, most of
  the verifier's errors were the right sentence filed under a neighbouring behavior. A deed is
  often told over two or three sentences, and the sentences around one say which behavior the
  passage is about: the same behavior's retrieval score and bank vote on the previous and next
  sentence, and the larger of each.
- ``competition`` (``COMPETITION_NAMES`` below, not shipped, so computed here from the pairs): the
  same errors seen from the sentence's other candidates: the bank's vote for this behavior ranked
  against its votes for them, its shortfall from their best, their sum, and its shortfall from the
  behavior's best sentence in the document.

Both arms train the shipped recipe (three networks, evidence bank out of fold) on the same corpus
pairs: one with the features in use before the group (the release it would replace), one with the
group added, for two seeds of the recipe (0: the shipped one, and 10). Each reads the dev set's fit
split (gold quotes as labelled sentences, each arm at its best threshold there: optimistic for all
alike); a paired bootstrap over samples gives each difference's interval. The test split is not read.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from evidence_matcher.matcher.structure import STRUCT_NAMES
from evidence_matcher.matcher.verifier import FEATURE_NAMES, NEIGHBOUR_NAMES, PAIR_NAMES

from . import verifier_train as vt
from .corpus import ladder_rubric
from .fit_split_training import best, describe, fit_split_pairs, paired_bootstrap

SEEDS = (0, 10)
COMPETITION_NAMES = ["vote_rank", "vote_gap", "sentence_vote", "doc_vote_gap"]
COLUMNS = [*FEATURE_NAMES, *COMPETITION_NAMES]  # the shipped columns, then the ones only measured here
GROUPS = {"neighbour": NEIGHBOUR_NAMES, "competition": COMPETITION_NAMES}  # in the order they were tried


def arms(group: str) -> tuple[list[int], list[int]]:
    """The columns of ``COLUMNS`` without the group (the features before it) and with it."""
    names = list(GROUPS)
    before = [*PAIR_NAMES, *STRUCT_NAMES, *(n for earlier in names[: names.index(group)] for n in GROUPS[earlier])]
    return [COLUMNS.index(n) for n in before], [COLUMNS.index(n) for n in [*before, *GROUPS[group]]]


def competition_features(rows: np.ndarray, cols: np.ndarray, vote: np.ndarray) -> np.ndarray:
    """(pairs, len(COMPETITION_NAMES)) for one document's candidate pairs: each pair's bank vote
    against the other candidates of its sentence (rank from the top over their number less one,
    shortfall from their best, their sum) and against the same behavior on the document's other
    sentences (shortfall from its best)."""
    n_seg, n_beh = int(rows.max(initial=-1)) + 1, int(cols.max(initial=-1)) + 1
    order = np.lexsort((-vote, rows))  # by sentence, then by vote, highest first
    starts = np.searchsorted(rows[order], rows[order], side="left")
    rank = np.empty(len(rows), np.float32)
    rank[order] = np.arange(len(rows)) - starts
    size = np.bincount(rows, minlength=n_seg)
    row_best = np.zeros(n_seg, np.float32)
    np.maximum.at(row_best, rows, vote)
    col_best = np.zeros(n_beh, np.float32)
    np.maximum.at(col_best, cols, vote)
    row_sum = np.bincount(rows, weights=vote, minlength=n_seg)
    features = [rank / np.maximum(size[rows] - 1, 1), row_best[rows] - vote, row_sum[rows], col_best[cols] - vote]
    return np.stack(features, axis=1).astype(np.float32)


def all_columns(pairs: vt.PairSet) -> np.ndarray:
    """``pairs.scalars`` with the competition columns appended (``COLUMNS``), document by document."""
    vote = pairs.scalars[:, FEATURE_NAMES.index("bank_vote")]
    extra = np.zeros((len(vote), len(COMPETITION_NAMES)), np.float32)
    order = np.argsort(pairs.doc, kind="stable")
    for part in np.split(order, np.flatnonzero(np.diff(pairs.doc[order])) + 1):
        extra[part] = competition_features(pairs.rows[part], pairs.cols[part], vote[part])
    return np.concatenate([pairs.scalars, extra], axis=1)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in GROUPS:
        print(f"usage: python -m evidence_matcher.eval.feature_groups {{{','.join(GROUPS)}}}", file=sys.stderr)
        return 2
    group = args[0]
    started = time.perf_counter()
    matcher = vt.retrieval_matcher()
    _, _, corpus = vt.corpus_pairs(matcher, vt.RECIPE)
    samples, fit = fit_split_pairs(matcher, vt.RECIPE, corpus.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    print(f"{len(corpus.y)} corpus pairs, {len(fit.y)} fit pairs; {time.perf_counter() - started:.0f} s", flush=True)
    corpus_x, fit_x = all_columns(corpus), all_columns(fit)
    counts = {}
    for seed in SEEDS:
        recipe = {**vt.RECIPE, "seed": seed}
        for arm, columns in zip(("without", "with"), arms(group), strict=True):
            weights = vt.train_ensemble(corpus.dense, corpus_x[:, columns], corpus.y, recipe)
            prob = vt.predict(weights, fit.dense, fit_x[:, columns])
            threshold, counts[arm, seed] = best(samples, fit, bids, prob)
            print(
                f"{arm} the {group} features, seed {seed}: {describe(samples, counts[arm, seed], threshold)}",
                flush=True,
            )
        low, high, above = paired_bootstrap(counts["without", seed], counts["with", seed])
        print(f"seed {seed}, with - without: 95% interval {low:+.3f} to {high:+.3f}, above 0 in {above:.0%}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
