"""Train the verifier (``matcher.verifier``) on the labelled corpus; compare variants by CV.

    python -m evidence_matcher.eval.verifier_train                 # cross-validate the variants, train,
                                                                   # write matcher/verifier/
    python -m evidence_matcher.eval.verifier_train --cv-only       # the comparison table only
    python -m evidence_matcher.eval.verifier_train --no-write      # train and report, do not write
    python -m evidence_matcher.eval.heldout                        # then: quality on the held-apart ladders
                                                                   # (never trained on)

Reproducible: seeded (numpy and torch), the corpus sha256 and the base model are recorded
in the model card beside the weights. Uses the corpus only (``eval/datasets/train/``):
never the dev set, whose fit split chooses the decision threshold (``evidence eval fit``)
and whose test split reports. Needs ``../shared`` for the two public ladders.
"""

from __future__ import annotations

import argparse
import json
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.evidence_bank import EvidenceBank
from evidence_matcher.matcher.profiles import DEFAULT_PROFILE, PROFILES
from evidence_matcher.matcher.spec import MatcherSpec
from evidence_matcher.matcher.structure import STRUCT_NAMES
from evidence_matcher.matcher.verifier import (
    BANK_COLUMNS,
    BANK_PATH,
    FALLBACK_PATH,
    FEATURE_NAMES,
    FROM_BANK,
    NEIGHBOUR_NAMES,
    PAIR_NAMES,
    IndexFeatures,
    candidate_pairs,
    index_features,
    mlp_probabilities,
    save_weights,
)

from .corpus import (
    Document,
    LabelledSegment,
    analyzed,
    corpus_files,
    corpus_sha256,
    labelled_segments,
    ladder_rubric,
    load_documents,
    write_model_card,
)

RECIPE = {
    "version": 1,
    "candidates": 20,
    "item_top_k": 3,
    "hidden": 256,
    "epochs": 12,
    "batch_size": 256,
    "learning_rate": 1e-3,
    "weight_decay": 1e-4,
    "dropout": 0.2,
    "seed": 0,
    # Short texts: people paste a bullet or two as often as a document. Each corpus
    # document also gives this many excerpts of 1-3 consecutive sentences, trained on as
    # documents of their own (their features, like rank within the document, are a short
    # text's). CV: +0.007 F1 on held-out excerpts, -0.005 on documents (README).
    "excerpts_per_document": 3,
    "excerpt_sentences": [1, 2, 3],
    "ensemble": 3,
    # The evidence bank (matcher.evidence_bank): the corpus's own sentences as neighbours.
    # A training document reads the bank built from the other folds' documents (never its
    # own sentences, nor its excerpts'), and a quarter of the documents read none, so the
    # verifier learns to decide for a ladder without a bank. Dev fit split: 0.645 -> 0.699.
    "bank_folds": 5,
    "bank_drop": 0.25,
}


@dataclass
class PairSet:
    dense: np.ndarray
    scalars: np.ndarray
    y: np.ndarray
    doc: np.ndarray  # document number per pair
    group: np.ndarray  # per pair: the corpus document it comes from (an excerpt's is its source's)
    excerpt: np.ndarray  # per pair: from an excerpt (a short text cut from a document)
    rows: np.ndarray
    cols: np.ndarray
    score: np.ndarray  # the retriever's score, for the similarity baseline
    rank: np.ndarray
    gold: list[set[int]]  # per document: gold behavior columns
    ladder: list[str]
    genre: list[str]
    candidate_recall: float
    gold_keys: tuple[np.ndarray, np.ndarray, int] | None = None  # doc_f1's sorted gold, built on first use
    bank: EvidenceBank | None = None  # built from these documents (``bank_recipe``): the one that ships


def excerpts(docs: list[Document], per_document: int, sizes: list[int], seed: int) -> tuple[list[Document], list[int]]:
    """Short texts cut from the corpus: runs of consecutive labelled sentences, one per
    line as a pasted list would be, keeping their labels; and each one's source document."""
    from .corpus import Segment

    rng = np.random.default_rng(seed)
    out, source = [], []
    for n, doc in enumerate(docs):
        labelled, _ = labelled_segments(doc)
        if not labelled:
            continue
        for k in range(per_document):
            size = min(int(rng.choice(sizes)), len(labelled))
            first = int(rng.integers(0, len(labelled) - size + 1))
            run = labelled[first : first + size]
            segments = [Segment(quote=s.quote, behaviors=sorted(s.behaviors), actor=s.actor, kind=s.kind) for s in run]
            text = "\n".join(s.quote for s in run)
            out.append(doc.model_copy(update={"id": f"{doc.id}~{k}", "text": text, "segments": segments}))
            source.append(n)
    return out, source


def row_labels(labels: list[LabelledSegment], segments) -> list[LabelledSegment | None]:
    """Each product segment's corpus label (``labelled_segments``), matched by its span; None
    where no labelled quote covers it."""
    by_span = {(s.start, s.end): s for s in labels}
    return [by_span.get((seg.start, seg.end)) for seg in segments]


def _share(key: str) -> float:
    """A fixed pseudo-random number in [0, 1) for a key: the same on every machine and run."""
    return zlib.crc32(key.encode()) / 2**32


def build_pairs(
    docs: list[Document],
    matcher: Matcher,
    candidates: int,
    groups: list[int] | None = None,
    bank: EvidenceBank | None = None,
    bank_recipe: dict | None = None,
) -> PairSet:
    """Every document's candidate pairs, labelled from the corpus. ``groups`` names each
    document's source for grouped cross-validation (default: itself). Evidence-bank
    features: every document reads ``bank``; or, with ``bank_recipe``, the bank is built
    from these documents (whole ones only) and each reads it out of fold (``RECIPE``)."""
    groups = groups if groups is not None else list(range(len(docs)))
    whole = len(set(groups))  # excerpts come after the documents they are cut from
    parts: dict[str, list] = {
        k: [] for k in ("dense", "scalars", "y", "doc", "group", "excerpt", "rows", "cols", "score", "rank")
    }
    gold_sets, ladders, genres = [], [], []
    found = total = 0
    results: dict[int, tuple] = {}
    per_index: dict[str, tuple] = {}  # rubric id -> its features and behavior columns, read once
    for n, index, analysis in analyzed(docs, matcher):
        if index.rubric.id not in per_index:
            per_index[index.rubric.id] = (index_features(index), {b: c for c, b in enumerate(index.behavior_ids)})
        results[n] = (analysis, index, *per_index[index.rubric.id])
    doc_labels = [labelled_segments(doc)[0] for doc in docs]
    seg_golds = [row_labels(labels, results[n][0].segments) for n, labels in enumerate(doc_labels)]
    read: dict[int, int] = {}  # document -> the fold whose bank rows it may not read
    if bank_recipe is not None:
        bank, row_group = documents_bank(results, seg_golds, groups[:whole])
        fold = np.array([fold_of(g, bank_recipe["bank_folds"]) for g in row_group])
        for n, g in enumerate(groups):
            if _share(f"drop{g}") >= bank_recipe["bank_drop"]:
                read[n] = fold_of(g, bank_recipe["bank_folds"])
    views: dict[tuple, IndexFeatures] = {}
    for n, doc in enumerate(docs):
        analysis, index, feats, column = results[n]
        labels, seg_gold = doc_labels[n], seg_golds[n]
        if bank is not None and (bank_recipe is None or n in read):
            key = (index.rubric.id, read.get(n))
            if key not in views:  # one view per rubric and fold
                keep = None if bank_recipe is None else fold != read[n]
                views[key] = replace(feats, bank=bank.view(index.rubric.id, index.behavior_ids, keep))
            feats = views[key]
        batch = candidate_pairs(analysis, doc.text, index, feats, candidates)
        y = np.array(
            [
                bool(seg_gold[r]) and index.behavior_ids[c] in seg_gold[r].behaviors
                for r, c in zip(batch.rows, batch.cols, strict=True)
            ],
            dtype=np.float32,
        )
        gold = {column[b] for s in labels for b in s.behaviors}
        for r, lab in enumerate(seg_gold):
            if lab:
                total += len(lab.behaviors)
                found += sum(1 for b in lab.behaviors if (batch.cols[batch.rows == r] == column[b]).any())
        parts["dense"].append(batch.dense)
        parts["scalars"].append(batch.scalars)
        parts["y"].append(y)
        parts["doc"].append(np.full(len(y), n))
        parts["group"].append(np.full(len(y), groups[n]))
        parts["excerpt"].append(np.full(len(y), n >= whole))
        parts["rows"].append(batch.rows)
        parts["cols"].append(batch.cols)
        parts["score"].append(batch.scalars[:, 0])
        parts["rank"].append(np.round(batch.scalars[:, 3] * max(1, candidates - 1)).astype(int))
        gold_sets.append(gold)
        ladders.append(doc.ladder)
        genres.append(doc.genre)
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    return PairSet(
        cat["dense"],
        cat["scalars"],
        cat["y"],
        cat["doc"],
        cat["group"],
        cat["excerpt"],
        cat["rows"],
        cat["cols"],
        cat["score"],
        cat["rank"],
        gold_sets,
        ladders,
        genres,
        found / max(1, total),
        bank=bank if bank_recipe is not None else None,
    )


def documents_bank(results: dict[int, tuple], seg_golds: list, groups: list[int]) -> tuple[EvidenceBank, list[int]]:
    """The evidence bank of the whole documents (numbered ``0..len(groups)-1``): every sentence,
    with the behaviors it is labelled with (none for a negative); and each row's group."""
    vectors, rubric, labels, row_group = [], [], [], []
    for n, group in enumerate(groups):
        analysis, index = results[n][0], results[n][1]
        vectors.append(analysis.vectors)
        for gold in seg_golds[n]:
            rubric.append(index.rubric.id)
            labels.append(set(gold.behaviors) if gold else set())
            row_group.append(group)
    return EvidenceBank.build(np.concatenate(vectors), rubric, labels), row_group


def retrieval_matcher(
    cache_dir: Path | None = None,
    recipe: dict = RECIPE,
    model_dir: Path | None = None,
    encoder: bool = True,
    profile: str = DEFAULT_PROFILE.name,
) -> Matcher:
    """Retrieval only (no verifier yet): each sentence's score for a behavior the mean of its
    ``item_top_k`` closest items, as the product computes it; what the verifier is trained on.
    ``model_dir`` / ``encoder``: another model's vectors, or the bare base model's (comparisons;
    run by sentence-transformers, so a model only measured is never exported to ONNX); ``profile``: whose
    shipped evidence encoder embeds (``matcher.profiles``)."""
    retrieval = DecisionParams(threshold=1.0, max_rank=1, item_top_k=recipe["item_top_k"], moderate=1.0, strong=1.0)
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    backend = "auto" if model_dir is None else "torch"
    return MatcherSpec(
        cache, model_dir=model_dir, backend=backend, adapt=False, params=retrieval, encoder=encoder, profile=profile
    ).load()


def corpus_pairs(
    matcher: Matcher, recipe: dict = RECIPE, files: list[Path] | None = None
) -> tuple[list[Document], list[Document], PairSet]:
    """The corpus's documents (``files``, default: all of it), the excerpts ``recipe`` cuts from
    them, and the candidate pairs of both, documents first (grouped for CV: an excerpt goes
    with its document)."""
    docs = load_documents(files or corpus_files())
    short, source = excerpts(docs, recipe["excerpts_per_document"], recipe["excerpt_sentences"], recipe["seed"])
    groups = list(range(len(docs))) + source
    return docs, short, build_pairs(docs + short, matcher, recipe["candidates"], groups, bank_recipe=recipe)


def dense_perturbation(width: int, recipe: dict):
    """Training-time noise on the dense inputs (the first ``width`` columns: sentence vector, then
    its product with the behavior's), for a network that must read ladders it never saw
    (``eval.unseen_ladder``): ``behavior_noise`` s adds s * e to the product, e ~ N(0, noise^2/half)
    per coordinate, as if the behavior vector had moved by a vector of norm ~noise;
    ``dense_dropout`` drops dense inputs. Neither key: the identity."""
    import torch

    noise, drop = recipe.get("behavior_noise", 0.0), recipe.get("dense_dropout", 0.0)
    if not width or not (noise or drop):
        return lambda x: x
    half = width // 2

    def perturb(x):
        sentence, product = x[:, :half], x[:, half:width]
        if noise:
            product = product + sentence * torch.randn_like(sentence) * (noise / half**0.5)
        dense = torch.cat([sentence, product], dim=1)
        if drop:
            dense = torch.nn.functional.dropout(dense, drop, training=True)
        return torch.cat([dense, x[:, width:]], dim=1)

    return perturb


def train_mlp(
    dense: np.ndarray,
    scalars: np.ndarray,
    y: np.ndarray,
    recipe: dict = RECIPE,
    use_dense: bool = True,
    aux: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """One MLP. ``aux`` (pairs, k; NaN where unknown), when given, adds k targets read from the
    same hidden layer with ``recipe["aux_weight"]`` times their loss (an experiment,
    ``eval.actor_auxiliary``); only the main output is returned."""
    import torch

    torch.manual_seed(recipe["seed"])
    rng = np.random.default_rng(recipe["seed"])
    mean, std = scalars.mean(axis=0), scalars.std(axis=0) + 1e-6
    x = np.concatenate(
        [dense if use_dense else np.zeros((len(y), 0), np.float32), (scalars - mean) / std], axis=1
    ).astype(np.float32)
    first = torch.nn.Linear(x.shape[1], recipe["hidden"])
    last = torch.nn.Linear(recipe["hidden"], 1)
    trunk = torch.nn.Sequential(first, torch.nn.ReLU(), torch.nn.Dropout(recipe["dropout"]))
    params = list(trunk.parameters()) + list(last.parameters())
    if aux is not None:
        aux_head = torch.nn.Linear(recipe["hidden"], aux.shape[1])
        params += list(aux_head.parameters())
        aux_t = torch.from_numpy(np.nan_to_num(aux, nan=0.0).astype(np.float32))
        aux_known = torch.from_numpy((~np.isnan(aux)).astype(np.float32))
    optimizer = torch.optim.AdamW(params, lr=recipe["learning_rate"], weight_decay=recipe["weight_decay"])
    pos_weight = torch.tensor([min(10.0, (len(y) - y.sum()) / max(1.0, y.sum()) / 2)])
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    perturb = dense_perturbation(dense.shape[1] if use_dense else 0, recipe)
    trunk.train()
    for _ in range(recipe["epochs"]):
        order = torch.from_numpy(rng.permutation(len(y)))
        for i in range(0, len(y), recipe["batch_size"]):
            idx = order[i : i + recipe["batch_size"]]
            hidden = trunk(perturb(xt[idx]))
            loss = loss_fn(last(hidden).squeeze(1), yt[idx])
            if aux is not None:
                each = torch.nn.functional.binary_cross_entropy_with_logits(
                    aux_head(hidden), aux_t[idx], reduction="none"
                )
                known = aux_known[idx]
                loss = loss + recipe["aux_weight"] * (each * known).sum() / known.sum().clamp(min=1.0)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    trunk.eval()
    w1 = first.weight.detach().numpy().T.copy()
    if not use_dense:  # keep one weight layout: zero rows for the unused dense inputs
        w1 = np.concatenate([np.zeros((dense.shape[1], w1.shape[1]), np.float32), w1])
    return {
        "w1": w1.astype(np.float32),
        "b1": first.bias.detach().numpy().astype(np.float32),
        "w2": last.weight.detach().numpy().T.astype(np.float32),
        "b2": last.bias.detach().numpy().astype(np.float32),
        "scalar_mean": mean.astype(np.float32),
        "scalar_std": std.astype(np.float32),
    }


def train_ensemble(
    dense: np.ndarray, scalars: np.ndarray, y: np.ndarray, recipe: dict = RECIPE, use_dense: bool = True
) -> dict[str, np.ndarray]:
    """``recipe["ensemble"]`` MLPs from different seeds, their logits averaged. That is one
    wider MLP (hidden layers side by side, output weights divided by their number), so the
    product's forward pass (``mlp_probabilities``) runs it unchanged."""
    members = [
        train_mlp(dense, scalars, y, {**recipe, "seed": recipe["seed"] + k}, use_dense)
        for k in range(recipe.get("ensemble", 1))
    ]
    if len(members) == 1:
        return members[0]
    n = len(members)
    return {
        "w1": np.concatenate([m["w1"] for m in members], axis=1),
        "b1": np.concatenate([m["b1"] for m in members]),
        "w2": np.concatenate([m["w2"] for m in members], axis=0) / n,
        "b2": (sum(m["b2"] for m in members) / n).astype(np.float32),
        "scalar_mean": members[0]["scalar_mean"],  # the same data standardised the same way
        "scalar_std": members[0]["scalar_std"],
    }


predict = mlp_probabilities  # the product's own forward pass: training scores exactly what ships


def _gold_keys(pairs: PairSet) -> tuple[np.ndarray, np.ndarray, int]:
    """Every (document, behavior column) that is gold, as sorted keys doc * width + col, and each key's document."""
    width = max([int(pairs.cols.max(initial=0))] + [c for cols in pairs.gold for c in cols]) + 1
    keys = np.array(sorted(d * width + c for d, cols in enumerate(pairs.gold) for c in cols), dtype=np.int64)
    return keys, keys // width, width


def doc_f1(pairs: PairSet, prob: np.ndarray, mask: np.ndarray, threshold: float) -> tuple[float, float, float]:
    """Micro P/R/F1 of document-level behaviors: evidenced when a sentence's pair reaches the threshold.
    Counted with sorted keys, not a loop over documents: CV calls it thousands of times."""
    if pairs.gold_keys is None:
        pairs.gold_keys = _gold_keys(pairs)
    gold, gold_doc, width = pairs.gold_keys
    docs = np.unique(pairs.doc[mask])
    gold = gold[np.isin(gold_doc, docs)]
    sel = mask & (prob >= threshold)
    predicted = np.unique(pairs.doc[sel].astype(np.int64) * width + pairs.cols[sel])
    tp = int(np.isin(predicted, gold, assume_unique=True).sum())
    fp, fn = len(predicted) - tp, len(gold) - tp
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


def sentence_rank(doc: np.ndarray, rows: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Per pair (its document and sentence): its rank among its sentence's behaviors, 0 the most
    probable (equals in order, as a stable sort), as ``matcher.decision.evidence_mask`` ranks them."""
    order = np.lexsort((-prob, rows, doc))
    key = doc[order].astype(np.int64) * (int(rows.max(initial=0)) + 1) + rows[order]
    start = np.r_[True, key[1:] != key[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
    rank = np.empty(len(prob), np.int64)
    rank[order] = np.arange(len(order)) - first
    return rank


def fold_of(group: int, folds: int) -> int:
    """A document's fold: fixed by its number, shared by CV and the evidence bank's out-of-fold
    reading (so a held-out document's bank features come from the training folds alone)."""
    return zlib.crc32(str(group).encode()) % folds


def grouped_folds(pairs: PairSet, folds: int):
    """(train, test) pair indices of document-grouped k-fold: an excerpt goes with its document."""
    fold = np.array([fold_of(g, folds) for g in range(int(pairs.group.max()) + 1)])[pairs.group]
    for k in range(folds):
        yield np.flatnonzero(fold != k), np.flatnonzero(fold == k)


def fold_threshold(pairs: PairSet, prob: np.ndarray, mask: np.ndarray) -> float:
    return float(max(GRID, key=lambda t: (doc_f1(pairs, prob, mask, t)[2], t)))


def cross_validate(pairs: PairSet, folds: int, recipe: dict) -> dict[str, dict]:
    """Document-grouped k-fold (an excerpt goes with its document). Each variant's threshold
    is chosen on the training folds' own documents (refit there), then scored once on the
    held-out fold: on its whole documents (``f1``) and on its excerpts (``f1_excerpts``)."""
    from sklearn.metrics import average_precision_score

    variants = {
        "similarity threshold + rank (the previous decision)": None,
        "logistic regression, similarities + structure": "logreg",
        "MLP, similarities + structure (no embeddings)": "mlp-scalars",
        "MLP, embeddings + similarities (no structure)": "mlp-nostruct",
        "MLP, embeddings + similarities + structure, trained on whole documents only": "mlp-noexcerpts",
        "MLP, embeddings + similarities + structure (one network)": "mlp-single",
        "MLP, everything but the evidence bank, 3 seeds (the previous release)": "mlp-nobank",
        "MLP, embeddings + similarities + structure + evidence bank, 3 seeds' logits averaged (shipped)": "mlp",
    }
    n_pair = len(PAIR_NAMES)
    out: dict[str, dict] = {}
    for name, kind in variants.items():
        held_f1, held_p, held_r, aps, excerpt_f1 = [], [], [], [], []
        for train_idx, _test_idx in grouped_folds(pairs, folds):
            train = np.zeros(len(pairs.y), bool)
            train[train_idx] = True
            if kind == "mlp-noexcerpts":
                train &= ~pairs.excerpt
            test = np.ones(len(pairs.y), bool)
            test[train_idx] = False
            if kind is None:
                best = None
                for max_rank in (1, 2, 3):
                    scored = np.where(pairs.rank < max_rank, pairs.score, -1.0)
                    t = float(
                        max(np.round(np.arange(0.2, 0.8, 0.01), 2), key=lambda t: doc_f1(pairs, scored, train, t)[2])
                    )
                    f = doc_f1(pairs, scored, train, t)[2]
                    if best is None or f > best[0]:
                        best = (f, max_rank, t)
                _, max_rank, t = best
                prob = np.where(pairs.rank < max_rank, pairs.score, -1.0)
                threshold = t
            elif kind == "logreg":
                from sklearn.linear_model import LogisticRegression

                s = pairs.scalars
                mean, std = s[train].mean(0), s[train].std(0) + 1e-6
                clf = LogisticRegression(max_iter=2000, C=1.0).fit((s[train] - mean) / std, pairs.y[train])
                prob = clf.predict_proba((s - mean) / std)[:, 1]
                threshold = fold_threshold(pairs, prob, train)
            else:
                scalars = pairs.scalars[:, :n_pair] if kind == "mlp-nostruct" else pairs.scalars
                if kind == "mlp-nobank":
                    scalars = np.delete(scalars, BANK_COLUMNS, axis=1)
                trainer = train_ensemble if kind in ("mlp", "mlp-nobank") else train_mlp
                weights = trainer(
                    pairs.dense[train], scalars[train], pairs.y[train], recipe, use_dense=kind != "mlp-scalars"
                )
                prob = predict(weights, pairs.dense, scalars)
                threshold = fold_threshold(pairs, prob, train)
            whole = test & ~pairs.excerpt
            p, r, f = doc_f1(pairs, prob, whole, threshold)
            held_p.append(p)
            held_r.append(r)
            held_f1.append(f)
            aps.append(average_precision_score(pairs.y[whole], prob[whole]))
            if (test & pairs.excerpt).any():
                excerpt_f1.append(doc_f1(pairs, prob, test & pairs.excerpt, threshold)[2])
        out[name] = {
            "f1": float(np.mean(held_f1)),
            "f1_sd": float(np.std(held_f1)),
            "precision": float(np.mean(held_p)),
            "recall": float(np.mean(held_r)),
            "pair_ap": float(np.mean(aps)),
            "f1_excerpts": float(np.mean(excerpt_f1)) if excerpt_f1 else None,
        }
        print(
            f"{name}: doc micro-F1 {out[name]['f1']:.3f} ± {out[name]['f1_sd']:.3f} "
            f"(P {out[name]['precision']:.3f} R {out[name]['recall']:.3f}), pair AP {out[name]['pair_ap']:.3f}"
            + (f", excerpts F1 {out[name]['f1_excerpts']:.3f}" if excerpt_f1 else ""),
            flush=True,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evidence_matcher.eval.verifier_train", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--corpus", type=Path, nargs="*", default=None, help="corpus JSONL files (default: eval/datasets/train/*.jsonl)"
    )
    parser.add_argument(
        "--profile", choices=list(PROFILES), default=DEFAULT_PROFILE.name, help="whose encoder's vectors to train on"
    )
    parser.add_argument("--out", type=Path, default=None, help="default: the profile's verifier folder")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    profile = PROFILES[args.profile]
    out = args.out or profile.verifier_dir

    files = args.corpus or corpus_files()
    started = time.perf_counter()
    matcher = retrieval_matcher(args.cache_dir, profile=profile.name)
    docs, short, pairs = corpus_pairs(matcher, RECIPE, files)
    print(
        f"{len(docs)} documents + {len(short)} excerpts, {len(pairs.y)} candidate pairs "
        f"({int(pairs.y.sum())} positive); "
        f"gold behaviors among a sentence's top {RECIPE['candidates']}: {pairs.candidate_recall:.3f}; "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    card: dict = {
        "model": (
            "evidence verifier: MLP over "
            "(sentence embedding, sentence x behavior-text product, similarities, structure)"
        ),
        "base_model": matcher.embedder_for(ladder_rubric("ic6")).model_id,
        "base_model_fingerprint": matcher.embedder_for(ladder_rubric("ic6")).fingerprint,
        "recipe": RECIPE,
        "candidates": RECIPE["candidates"],
        "pair_features": PAIR_NAMES,
        "structure_features": list(STRUCT_NAMES),
        "neighbour_features": NEIGHBOUR_NAMES,
        "corpus_files": [p.name for p in files],
        "corpus_sha256": corpus_sha256(files),
        "corpus_documents": len(docs),
        "excerpt_documents": len(short),
        "training_pairs": int(len(pairs.y)),
        "positive_pairs": int(pairs.y.sum()),
        "candidate_recall": round(pairs.candidate_recall, 4),
        "evidence_bank": {
            "file": BANK_PATH.name,
            "rows": int(len(pairs.bank.rubric)),
            "evidence_rows": int(len(set(pairs.bank.label_row.tolist()))),
            "rows_per_rubric": {r: int((pairs.bank.rubric == r).sum()) for r in sorted(set(pairs.bank.rubric))},
            "vectors": "int8 (normalised vector x 127)",
        },
    }
    if not args.no_cv:
        card["cross_validation"] = {
            "folds": args.folds,
            "grouped_by": "document",
            "variants": cross_validate(pairs, args.folds, RECIPE),
        }
    if args.cv_only:
        return 0
    weights = train_ensemble(pairs.dense, pairs.scalars, pairs.y, RECIPE)
    fallback = None
    if profile.fallback:  # for a rubric with no bank rows: the same recipe without the bank's columns
        fallback = train_ensemble(pairs.dense, np.delete(pairs.scalars, BANK_COLUMNS, axis=1), pairs.y, RECIPE)
        card["no_bank_fallback"] = {
            "file": FALLBACK_PATH.name,
            "features": [n for n in FEATURE_NAMES if n not in FROM_BANK],
            "why": "decides a rubric the evidence bank has no rows of: by corpus CV with every held-out document "
            "read without a bank it beats the bank network with its bank columns zeroed "
            "(python -m evidence_matcher.eval.no_bank_fallback)",
        }
    if args.no_write:
        print(json.dumps(card, indent=1))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    save_weights(out / "weights.npz", weights)
    if fallback is not None:
        save_weights(out / FALLBACK_PATH.name, fallback)
    pairs.bank.save(out / BANK_PATH.name)
    write_model_card(
        out,
        "Evidence verifier (MLP over pair features)",
        card,
        "Decides whether a sentence, in its document, evidences a ladder behavior (matcher/verifier.py). Inputs: the "
        "evidence encoder's vectors, similarities from retrieval, and the sentence's structure. Trained on the corpus "
        "only; its decision threshold is fitted on the IC6 dev set's fit split "
        f"(matcher/{profile.thresholds}.json).",
    )
    print(f"wrote {out}: weights.npz, {BANK_PATH.name}, card.json" + (f", {FALLBACK_PATH.name}" if fallback else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
