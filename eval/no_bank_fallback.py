"""Experiment: how should the verifier decide a ladder the evidence bank has no rows of?

A user's own ladder has no labelled sentences, so its pairs carry no bank features. Three
ways, scored by corpus cross-validation with every held-out document read without a bank
(one network each, the shipped recipe otherwise; each threshold chosen on the training
folds): the bank network with its bank columns zeroed and its threshold chosen with the
bank (what shipped before the fallback), the same with a threshold chosen without the bank,
and a network trained on the same pairs without the bank's columns (the fallback that
ships, ``matcher.verifier.FALLBACK_PATH``).

    python -m evidence_matcher.eval.no_bank_fallback     # ~25 min on 2 cores
"""

from __future__ import annotations

import time

import numpy as np

from evidence_matcher.matcher.verifier import BANK_COLUMNS

from . import verifier_train as vt

FOLDS = 5
ARMS = ("bank network, threshold chosen with the bank", "bank network, threshold chosen without", "fallback network")


def main() -> None:
    started = time.perf_counter()
    recipe = {**vt.RECIPE, "ensemble": 1}
    _, _, pairs = vt.corpus_pairs(vt.retrieval_matcher(), recipe)
    zeroed = pairs.scalars.copy()
    zeroed[:, BANK_COLUMNS] = 0.0  # what a pair of a ladder with no bank rows carries (has_bank 0)
    deleted = np.delete(pairs.scalars, BANK_COLUMNS, axis=1)
    scores: dict[str, list] = {arm: [] for arm in ARMS}
    for train_idx, _ in vt.grouped_folds(pairs, FOLDS):
        train = np.zeros(len(pairs.y), bool)
        train[train_idx] = True
        held_out = ~train & ~pairs.excerpt
        bank_net = vt.train_mlp(pairs.dense[train], pairs.scalars[train], pairs.y[train], recipe)
        with_bank = vt.predict(bank_net, pairs.dense, pairs.scalars)
        without = vt.predict(bank_net, pairs.dense, zeroed)
        fallback_net = vt.train_mlp(pairs.dense[train], deleted[train], pairs.y[train], recipe)
        fallback = vt.predict(fallback_net, pairs.dense, deleted)
        for arm, prob, chooser in zip(ARMS, (without, without, fallback), (with_bank, without, fallback), strict=True):
            scores[arm].append(vt.doc_f1(pairs, prob, held_out, vt.fold_threshold(pairs, chooser, train)))
        print("  fold:", ", ".join(f"{arm} {s[-1][2]:.3f}" for arm, s in scores.items()), flush=True)
    for arm, s in scores.items():
        a = np.array(s)
        print(f"{arm}: F1 {a[:, 2].mean():.3f} ± {a[:, 2].std():.3f} (P {a[:, 0].mean():.3f} R {a[:, 1].mean():.3f})")
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
