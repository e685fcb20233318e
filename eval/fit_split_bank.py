"""Would the dev set's writers teach the verifier through its evidence bank? Measured for the README.

    python -m evidence_matcher.eval.fit_split_bank      # ~5 min on 2 cores

Training the verifier's network on four fifths of the fit split bought at most +0.02 on the
other fifth (``fit_split_training``). The evidence bank is the lever that moved it most since,
and it needs no training: a sentence reads the labels of the bank's sentences nearest to it. So
here the shipped verifier is left as it is and the bank grows instead: each fifth of the fit split
(grouped by sample) reads the shipped bank plus the other four fifths' sentences, labelled from
their gold quotes (every other sentence a negative), against the shipped bank alone on the same
documents. Each arm's threshold is its best on the pooled probabilities (optimistic for both
alike); a paired bootstrap over samples gives the difference's interval. The test split is not
read. This measures what a team's own labelled documents, added to the bank, would buy.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
from sklearn.model_selection import GroupKFold

from evidence_matcher.matcher.evidence_bank import EvidenceBank
from evidence_matcher.matcher.verifier import Verifier

from . import verifier_train as vt
from .corpus import analyzed, labelled_segments, ladder_rubric
from .fit_split_training import FOLDS, as_document, best, describe, f1, fit_split_pairs, paired_bootstrap


def merged(first: EvidenceBank, second: EvidenceBank) -> EvidenceBank:
    """One bank holding both banks' rows, ``first``'s first."""
    return EvidenceBank(
        np.concatenate([first.vectors, second.vectors]),
        np.concatenate([first.rubric, second.rubric]),
        np.concatenate([first.label_row, second.label_row + len(first.rubric)]),
        np.concatenate([first.label_behavior, second.label_behavior]),
    )


def document_bank(docs, matcher) -> tuple[EvidenceBank, np.ndarray]:
    """The documents' sentences as bank rows (the behaviors their labels give, or none), built as
    the corpus's bank is, and each row's document number."""
    results = {n: (analysis, index) for n, index, analysis in analyzed(docs, matcher)}
    seg_golds = [vt.row_labels(labelled_segments(doc)[0], results[n][0].segments) for n, doc in enumerate(docs)]
    bank, owner = vt.documents_bank(results, seg_golds, list(range(len(docs))))
    return bank, np.array(owner)


def rows_of(bank: EvidenceBank, keep: np.ndarray) -> EvidenceBank:
    """The bank's rows where ``keep`` is true, renumbered."""
    new_row = np.cumsum(keep) - 1
    labelled = keep[bank.label_row]
    return EvidenceBank(
        bank.vectors[keep], bank.rubric[keep], new_row[bank.label_row[labelled]], bank.label_behavior[labelled]
    )


def main() -> None:
    started = time.perf_counter()
    verifier = Verifier.load()
    matcher = vt.retrieval_matcher()
    samples, alone = fit_split_pairs(matcher, vt.RECIPE, verifier.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    threshold, base = best(samples, alone, bids, verifier.predict(alone))
    print(f"shipped bank: {describe(samples, base, threshold)}", flush=True)

    docs = [as_document(s) for s in samples]
    fit_bank, owner = document_bank(docs, matcher)
    print(f"{len(owner)} fit-split sentences as bank rows; {time.perf_counter() - started:.0f} s", flush=True)
    numbers = np.arange(len(docs))
    pieces = []  # (document numbers, their pairs, their probabilities), one per fold
    for train, held in GroupKFold(n_splits=FOLDS).split(numbers, numbers, numbers):
        bank = merged(verifier.bank, rows_of(fit_bank, np.isin(owner, train)))
        pairs = vt.build_pairs([docs[n] for n in held], matcher, vt.RECIPE["candidates"], bank=bank)
        pieces.append((held, pairs, verifier.predict(pairs)))
    # Each fold's document numbers back to the samples' own, so both arms are scored on the same documents.
    prob = np.concatenate([p for _, _, p in pieces])
    doc = np.concatenate([held[pairs.doc] for held, pairs, _ in pieces])
    cols = np.concatenate([pairs.cols for _, pairs, _ in pieces])
    threshold, counts = best(samples, SimpleNamespace(doc=doc, cols=cols), bids, prob)
    low, high, above = paired_bootstrap(base, counts)
    print(
        f"shipped bank + the other folds' sentences: {describe(samples, counts, threshold)}; difference "
        f"{f1(counts) - f1(base):+.3f} (95% interval {low:+.3f} to {high:+.3f}, above 0 in {above:.0%})"
    )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
