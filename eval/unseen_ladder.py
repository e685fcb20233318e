"""Experiment: how should the no-bank fallback decide a ladder it never trained on?

A ladder a user imports has no bank rows, so the fallback network decides it, with thresholds
fitted on the IC6 fit split read with the bank hidden. But the fallback trained on IC6
documents: that fit reads a familiar ladder. On the one ladder never trained on (Dropbox IC4,
``eval.heldout``) it reads F1 0.52 at precision 0.43: a sentence clears the threshold for two or
three close neighbours. Here each of the corpus's ladders but IC6 is read by a fallback trained
without any of its documents (leave one ladder out; one network each, the shipped recipe
otherwise, two narrower networks, and two trained with noise on their vectors, ``NETWORKS``), and
decision rules are compared on those reads:

- ``threshold``: a pair is evidence at probability >= t (before this experiment: 0.82, fitted on IC6);
- ``max_rank``: ...and among the sentence's k most probable candidates (the product's ``max_rank``);
- ``runner-up``: a sentence's best candidate needs t, its other candidates t + delta (what won:
  its delta ships as ``eval.fit.WITHOUT_BANK_RUNNER_UP_MARGIN``).

Each rule's parameters are chosen by nested leave-one-ladder-out (chosen on the other ladders'
reads, pooled, then scored on the held ladder), so no ladder scores a choice made on it. The
held-apart documents of ``eval.heldout`` are not read. The adapter of the evidence encoder did
train on every corpus ladder, so retrieval is kinder here than on a truly new ladder.

    python -m evidence_matcher.eval.unseen_ladder [--probabilities FILE]   # ~2.5 h on 2 cores; seconds with FILE
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from evidence_matcher.matcher.decision import load_params
from evidence_matcher.matcher.verifier import BANK_COLUMNS, Verifier

from . import verifier_train as vt
from .context_head import runner_up_shift
from .fit_split_training import f1, paired_bootstrap

THRESHOLDS = np.round(np.arange(0.5, 0.981, 0.02), 2)
DELTAS = np.round(np.arange(0.0, 0.19, 0.02), 2)
MAX_RANKS = (1, 2, 3)
SHIPPED = 0.82  # the without-bank threshold before this experiment (no margin)


def counts(pairs: vt.PairSet, selected: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """(len(docs), 3) true positives, false positives, false negatives of each document's behaviors."""
    bounds = np.searchsorted(pairs.doc, np.arange(len(pairs.gold) + 1))  # a document's pairs are consecutive
    out = np.zeros((len(docs), 3), np.int64)
    for i, d in enumerate(docs):
        s, e = bounds[d], bounds[d + 1]
        found = set(pairs.cols[s:e][selected[s:e]].tolist())
        gold = pairs.gold[d]
        out[i] = (len(found & gold), len(found - gold), len(gold - found))
    return out


def rule_counts(pairs, prob, rank, docs_by_ladder, threshold, delta, max_rank=99) -> dict[str, np.ndarray]:
    selected = (runner_up_shift(prob, rank == 0, delta) >= threshold) & (rank < max_rank)
    return {ladder: counts(pairs, selected, docs) for ladder, docs in docs_by_ladder.items()}


def nested_choice(table: dict[tuple, dict[str, np.ndarray]], ladders: list[str]) -> dict[str, tuple]:
    """For each ladder, the parameters that score best on the other ladders' documents pooled."""
    chosen = {}
    for held in ladders:
        chosen[held] = max(
            table, key=lambda key: (f1(np.concatenate([table[key][k] for k in ladders if k != held])), key)
        )
    return chosen


# The fallback's inputs (which dense features it reads) and recipe changes, and networks that might
# carry better to a ladder never seen: the sentence-times-behavior product can learn a ladder's own
# behavior directions, so two read less of it, and two train with noise on it (``vt.dense_perturbation``).
NETWORKS = {
    "fallback recipe": ("all", {}),
    "without the sentence x behavior product": ("sentence", {}),
    "scalars only (no vectors)": ("none", {}),
    "behavior-vector noise 0.5": ("all", {"behavior_noise": 0.5}),
    "dense-input dropout 0.3": ("all", {"dense_dropout": 0.3}),
}


def leave_one_ladder_out(pairs: vt.PairSet, recipe: dict, ladders: list[str], inputs: str = "all") -> np.ndarray:
    """Each ladder's pairs read by a fallback trained on the other ladders' documents and excerpts;
    ``inputs``: which dense features it reads (``NETWORKS``)."""
    scalars = np.delete(pairs.scalars, BANK_COLUMNS, axis=1)
    dense = pairs.dense[:, : pairs.dense.shape[1] // 2] if inputs == "sentence" else pairs.dense
    doc_ladder = np.array(pairs.ladder)[pairs.doc]
    prob = np.full(len(pairs.y), np.nan, np.float32)
    for ladder in ladders:
        started = time.perf_counter()
        train = doc_ladder != ladder
        net = vt.train_mlp(dense[train], scalars[train], pairs.y[train], recipe, use_dense=inputs != "none")
        prob[~train] = vt.predict(net, dense[~train], scalars[~train])
        print(f"  {inputs} {ladder}: {int(train.sum())} pairs, {time.perf_counter() - started:.0f} s", flush=True)
    return prob


def rule_arms(network: str, pairs, prob: np.ndarray, docs_by_ladder, ladders: list[str]) -> dict[str, dict]:
    """Per-ladder counts of one network's reads under each rule: the shipped threshold, and each
    rule's parameters chosen by nested leave-one-ladder-out."""
    rank = vt.sentence_rank(pairs.doc, pairs.rows, prob)
    table = {
        (t, d, 99): rule_counts(pairs, prob, rank, docs_by_ladder, t, d)
        for t, d in itertools.product(THRESHOLDS, DELTAS)
    }
    table |= {
        (t, 0.0, k): rule_counts(pairs, prob, rank, docs_by_ladder, t, 0.0, k)
        for t, k in itertools.product(THRESHOLDS, MAX_RANKS)
    }
    arms = {f"{network}, threshold {SHIPPED} (what a new ladder gets)": table[(SHIPPED, 0.0, 99)]}
    for rule, grid in (
        ("threshold", {key: v for key, v in table.items() if key[1:] == (0.0, 99)}),
        ("threshold and max_rank", {key: v for key, v in table.items() if key[1] == 0.0}),
        ("runner-up rule", {key: v for key, v in table.items() if key[2] == 99}),
    ):
        chosen = nested_choice(grid, ladders)
        arms[f"{network}, {rule} chosen on the other ladders"] = {k: grid[chosen[k]][k] for k in ladders}
        print(f"{network}, {rule}: " + ", ".join(f"{k} t={c[0]} d={c[1]} rank<{c[2]}" for k, c in chosen.items()))
    return arms


def reads(saved: Path | None) -> tuple[SimpleNamespace, int, dict[str, np.ndarray], np.ndarray]:
    """The corpus's pairs (what the rules need of them), how many whole documents lead them, and each
    pair's probability from the fallback that never saw its ladder and from the shipped one; from
    ``saved`` when it holds them (the corpus's pairs take ~12 min to build, the networks ~2 h)."""
    if saved and saved.is_file():
        z = np.load(saved, allow_pickle=True)
        pairs = SimpleNamespace(
            **{k: z[k] for k in ("doc", "rows", "cols")}, gold=list(z["gold"]), ladder=list(z["ladder"])
        )
        return pairs, int(z["documents"]), {name: z[name] for name in NETWORKS if name in z.files}, z["familiar"]
    recipe = {**vt.RECIPE, "ensemble": 1}
    docs, _, full = vt.corpus_pairs(vt.retrieval_matcher(), recipe)
    print(f"{len(full.y)} pairs", flush=True)
    ladders = sorted(set(full.ladder) - {"ic6"})
    unseen = {
        name: leave_one_ladder_out(full, {**recipe, **changes}, ladders, inputs)
        for name, (inputs, changes) in NETWORKS.items()
    }
    familiar = vt.predict(Verifier.load().fallback, full.dense, np.delete(full.scalars, BANK_COLUMNS, axis=1))
    pairs = SimpleNamespace(doc=full.doc, rows=full.rows, cols=full.cols, gold=full.gold, ladder=full.ladder)
    if saved:
        np.savez_compressed(
            saved,
            **unseen,
            familiar=familiar,
            documents=len(docs),
            doc=pairs.doc,
            rows=pairs.rows,
            cols=pairs.cols,
            gold=np.array(pairs.gold, dtype=object),
            ladder=np.array(pairs.ladder, dtype=object),
        )
    return pairs, len(docs), unseen, familiar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evidence_matcher.eval.unseen_ladder", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--probabilities", type=Path, default=None, help="save (or, if it exists, reuse) the reads here"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pairs, documents, probs, familiar = reads(args.probabilities)
    # IC6 stays in every training set: its behaviors carry examples, which no imported ladder's do, so
    # a network that never saw a ladder with examples reads its features out of range (F1 0 in a first run).
    ladders = sorted(set(pairs.ladder) - {"ic6"})
    docs_by_ladder = {k: np.array([d for d in range(documents) if pairs.ladder[d] == k]) for k in ladders}
    print(f"documents per ladder: { ({k: len(v) for k, v in docs_by_ladder.items()}) }", flush=True)

    arms = {
        f"shipped fallback (trained on every ladder), threshold {SHIPPED}": rule_counts(
            pairs, familiar, vt.sentence_rank(pairs.doc, pairs.rows, familiar), docs_by_ladder, SHIPPED, 0.0
        )
    }
    for network, prob in probs.items():
        arms |= rule_arms(network, pairs, prob, docs_by_ladder, ladders)
    # What ships for a ladder without bank rows: the margin chosen here, the threshold fitted with it on
    # the IC6 fit split read without the bank (``evidence eval fit``).
    shipped = load_params().without_bank
    t, d = shipped["threshold"], shipped.get("runner_up_margin", 0.0)
    prob = probs["fallback recipe"]
    arms[f"fallback recipe, shipped rule (threshold {t}, margin {d})"] = rule_counts(
        pairs, prob, vt.sentence_rank(pairs.doc, pairs.rows, prob), docs_by_ladder, t, d
    )

    base = f"fallback recipe, threshold {SHIPPED} (what a new ladder gets)"
    print("\n| arm | " + " | ".join(ladders) + " | pooled | vs threshold 0.82 (95%) |")
    print("|---" * (len(ladders) + 3) + "|")
    for name, per in arms.items():
        pooled_other = np.concatenate([per[k] for k in ladders])
        base_other = np.concatenate([arms[base][k] for k in ladders])
        lo, hi, above = paired_bootstrap(base_other, pooled_other)
        delta = f1(pooled_other) - f1(base_other)
        tp, fp, fn = pooled_other.sum(axis=0)
        p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
        print(
            f"| {name} | "
            + " | ".join(f"{f1(per[k]):.3f}" for k in ladders)
            + f" | {f1(pooled_other):.3f} (P {p:.2f} R {r:.2f})"
            + f" | {delta:+.3f} ({lo:+.3f} to {hi:+.3f}, above 0 in {above:.0%}) |"
        )
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
