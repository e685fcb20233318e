"""The trained verifier: is this sentence, in its document, evidence of this behavior?

Retrieval proposes each sentence's ``candidates`` closest behaviors; the verifier gives
each (sentence, behavior) pair a probability. It reads the sentence's embedding, its
elementwise product with the behavior's text embedding (so it learns which parts of
meaning matter, not just the cosine), the similarities retrieval computed (to the
behavior's text, its sentences and its examples; rank and margin within the sentence
and within the document), the sentence's structure (``matcher.structure``: its
section, who acts, tense, shape), the same behavior's score and vote on the sentences just
before and after it (``neighbour_features``), and what the corpus's labelled sentences nearest to it
were filed under (``matcher.evidence_bank``). It is a small MLP trained on the project's labelled
corpus (``eval/datasets/train/``, eleven ladders, whole documents and short excerpts of
them) by ``python -m evidence_matcher.eval.verifier_train``; its weights and model card
ship in ``matcher/verifier/``. Inference is numpy only.

Because it reads behavior *text* and similarities rather than behavior ids, it applies
to any ladder, with or without examples, with or without a bank.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evidence_matcher.errors import ModelError

from .evidence_bank import BANK_NAMES, BankView, EvidenceBank, bank_features
from .structure import STRUCT_NAMES, segment_structure

if TYPE_CHECKING:
    from evidence_matcher.index.rubric_index import RubricIndex

    from .decision import Analysis

VERIFIER_DIR = Path(__file__).resolve().parent / "verifier"
BANK_PATH = VERIFIER_DIR / "bank.npz"
# The network for a ladder with no bank rows (one a user imports): trained on the same pairs
# without the bank's columns. It decides such a ladder better than the bank network with its
# bank columns zeroed, by corpus CV (``python -m evidence_matcher.eval.no_bank_fallback``).
FALLBACK_PATH = VERIFIER_DIR / "weights.no-bank.npz"
PAIR_NAMES = [
    "score",
    "sim_text",
    "sim_sentence",
    "rank",
    "margin",
    "zscore",
    "doc_rank",
    "doc_gap",
    "has_examples",
    *BANK_NAMES,
]
# The sentences just before and after, for the same behavior: the retriever's score and the bank's
# vote there (0 where the behavior was not among that sentence's candidates, or there is no such
# sentence), and the larger of the two. A deed is often told over two or three sentences, and
# what the neighbours were filed under tells one behavior from its neighbour in the ladder where
# the sentence alone does not (dev fit split: README, Measured quality).
NEIGHBOUR_NAMES = ["prev_score", "prev_vote", "next_score", "next_vote", "near_score", "near_vote"]
FEATURE_NAMES = [*PAIR_NAMES, *STRUCT_NAMES, *NEIGHBOUR_NAMES]  # the columns of ``PairBatch.scalars``
# What the fallback network does not read: the bank's own columns and the neighbouring sentences' votes.
FROM_BANK = {*BANK_NAMES, *(name for name in NEIGHBOUR_NAMES if name.endswith("_vote"))}
BANK_COLUMNS = [i for i, name in enumerate(FEATURE_NAMES) if name in FROM_BANK]


@dataclass
class PairBatch:
    """The candidate pairs of one document and their features."""

    rows: np.ndarray  # (pairs,) segment row
    cols: np.ndarray  # (pairs,) behavior column
    dense: np.ndarray  # (pairs, dim * 2) sentence vector and its product with the behavior's
    scalars: np.ndarray  # (pairs, len(FEATURE_NAMES))


@dataclass
class IndexFeatures:
    """What the verifier reads of a rubric index, read back from it once (no extra encoding)."""

    text_vec: np.ndarray  # (behaviors, dim) each behavior text's vector
    sentence_rows: np.ndarray  # (rows,) bool: the row is a behavior's text or one of its sentences
    has_examples: np.ndarray  # (behaviors,) 1.0 where the behavior has examples
    vectors: np.ndarray  # (rows, dim) every index row, for text-sentence similarities
    bank: BankView | None = None  # the evidence bank's rows for this rubric, if it has any


def index_features(index: RubricIndex, bank: EvidenceBank | None = None) -> IndexFeatures:
    n = len(index.behavior_ids)
    vectors = index.vectors.index.reconstruct_n(0, index.vectors.index.ntotal)
    text_vec = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    sentence_rows = np.zeros(len(vectors), dtype=bool)
    has_examples = np.zeros(n, dtype=np.float32)
    for row, item_id in enumerate(index.vectors.ids):
        col = int(index.item_behavior[row])
        suffix = item_id.rsplit("#", 1)[-1]  # "text", "s<n>" (a sentence of the text) or "ex<n>" (an example)
        if suffix == "text":
            text_vec[col] = vectors[row]
        if suffix == "text" or suffix.startswith("s"):
            sentence_rows[row] = True
        elif suffix.startswith("ex"):
            has_examples[col] = 1.0
    view = bank.view(index.rubric.id, index.behavior_ids) if bank is not None else None
    return IndexFeatures(text_vec, sentence_rows, has_examples, vectors, view)


def candidate_pairs(
    analysis: Analysis, text: str, index: RubricIndex, feats: IndexFeatures, candidates: int
) -> PairBatch:
    scores = analysis.scores
    n_seg, n_beh = scores.shape
    dim = feats.text_vec.shape[1]
    if n_seg == 0 or n_beh == 0:
        return PairBatch(
            np.zeros(0, int),
            np.zeros(0, int),
            np.zeros((0, 2 * dim), np.float32),
            np.zeros((0, len(FEATURE_NAMES)), np.float32),
        )
    k = min(candidates, n_beh)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n_seg), k)
    cols = order.reshape(-1)
    s = analysis.vectors[rows]
    b = feats.text_vec[cols]
    sim_text = np.einsum("ij,ij->i", s, b)
    # Best similarity to the behavior's text or one of its sentences (long ladder texts
    # state several things; a sentence may show one of them).
    sent_rows = np.flatnonzero(feats.sentence_rows)
    sent_sims = analysis.vectors @ feats.vectors[sent_rows].T  # (segments, sentence rows)
    sent_beh = index.item_behavior[sent_rows]
    best_sentence = np.full((n_beh, n_seg), -1.0, dtype=np.float32)
    np.maximum.at(best_sentence, sent_beh, sent_sims.T.astype(np.float32))  # per behavior, its best text sentence
    best_sentence = best_sentence.T
    pair_score = scores[rows, cols]
    row_best = scores.max(axis=1)
    row_mean, row_std = scores.mean(axis=1), scores.std(axis=1) + 1e-6
    doc_order = np.argsort(np.argsort(-scores, axis=0, kind="stable"), axis=0, kind="stable")
    col_best = scores.max(axis=0)
    pair = np.stack(
        [
            pair_score,
            sim_text,
            best_sentence[rows, cols],
            np.tile(np.arange(k), n_seg) / max(1, k - 1),
            row_best[rows] - pair_score,
            (pair_score - row_mean[rows]) / row_std[rows],
            np.log1p(doc_order[rows, cols]) / 3.0,
            col_best[cols] - pair_score,
            feats.has_examples[cols],
        ],
        axis=1,
    ).astype(np.float32)
    bank = bank_features(feats.bank, analysis.vectors, rows, cols)
    struct = segment_structure(text, analysis.segments)[rows]
    near = neighbour_features(scores.shape, rows, cols, pair_score, bank[:, BANK_NAMES.index("bank_vote")])
    dense = np.concatenate([s, s * b], axis=1).astype(np.float32)
    return PairBatch(rows, cols, dense, np.concatenate([pair, bank, struct, near], axis=1))


def neighbour_features(
    shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray, score: np.ndarray, vote: np.ndarray
) -> np.ndarray:
    """(pairs, len(NEIGHBOUR_NAMES)): for each candidate pair, the same behavior's score and bank vote
    on the previous and the next sentence when it was one of their candidates (else 0)."""
    n_seg, n_beh = shape
    grid = np.zeros((2, n_seg + 2, n_beh), np.float32)  # a zero row before the first sentence and after the last
    grid[0, rows + 1, cols] = score
    grid[1, rows + 1, cols] = vote
    prev, after = grid[:, rows, cols], grid[:, rows + 2, cols]
    near = np.maximum(prev, after)
    return np.stack([prev[0], prev[1], after[0], after[1], near[0], near[1]], axis=1).astype(np.float32)


def save_weights(path: Path, weights: dict[str, np.ndarray]) -> None:
    """The first layer's matrix (nearly all of the file) as float16, to keep the shipped models within
    25 MB; read back as float32 (a test holds the probabilities to 1e-3 of float32's)."""
    arrays: dict[str, Any] = {k: v.astype(np.float16 if k == "w1" else np.float32) for k, v in weights.items()}
    np.savez_compressed(path, **arrays)


def _load_weights(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:  # plain arrays only: no pickle
        return {k: data[k].astype(np.float32) for k in data.files}


def mlp_probabilities(weights: dict[str, np.ndarray], dense: np.ndarray, scalars: np.ndarray) -> np.ndarray:
    """The MLP's forward pass: standardised scalars beside the dense features, one ReLU layer, a sigmoid."""
    x = np.concatenate([dense, (scalars - weights["scalar_mean"]) / weights["scalar_std"]], axis=1)
    h = np.maximum(x @ weights["w1"] + weights["b1"], 0.0)
    return 1.0 / (1.0 + np.exp(-(h @ weights["w2"] + weights["b2"]).reshape(-1)))


@dataclass
class Verifier:
    """A two-layer MLP over pair features; weights from ``python -m evidence_matcher.eval.verifier_train``."""

    weights: dict[str, np.ndarray]
    card: dict = field(default_factory=dict)
    bank: EvidenceBank | None = None  # the corpus's labelled sentences, read as neighbours (evidence_bank)
    fallback: dict[str, np.ndarray] | None = None  # weights for a rubric with no bank rows (FALLBACK_PATH)

    @property
    def candidates(self) -> int:
        return int(self.card.get("candidates", 10))

    @cached_property
    def columns(self) -> list[int]:
        """The columns of ``PairBatch.scalars`` it was trained on, by the names in its card (a verifier
        trained before a feature existed reads the features it knows)."""
        names = [
            *self.card.get("pair_features", PAIR_NAMES),
            *self.card.get("structure_features", STRUCT_NAMES),
            *self.card.get("neighbour_features", []),
        ]
        unknown = sorted(set(names) - set(FEATURE_NAMES))
        if unknown:
            raise ModelError(f"the verifier's card names features this version does not compute: {', '.join(unknown)}")
        return [FEATURE_NAMES.index(name) for name in names]

    @cached_property
    def fallback_columns(self) -> list[int]:
        """Its columns without the bank's: what the no-bank fallback network was trained on."""
        return [column for column in self.columns if column not in BANK_COLUMNS]

    def fits(self, embedder) -> bool:
        """Trained on this embedder's vectors (the evidence encoder, fp32 or int8)? A test's
        fake embedder or another model is decided by similarity instead."""
        dim = getattr(embedder, "dim", 0)
        inputs = 2 * dim + len(self.columns)
        return (
            getattr(embedder, "model_id", "").startswith(self.card.get("base_model", "\0"))
            and inputs == self.weights["w1"].shape[0]
        )

    @classmethod
    def load(cls, folder: Path = VERIFIER_DIR) -> Verifier:
        folder = Path(folder)
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
        bank, fallback = folder / BANK_PATH.name, folder / FALLBACK_PATH.name
        return cls(
            _load_weights(folder / "weights.npz"),
            card,
            EvidenceBank.load(bank) if bank.is_file() else None,
            _load_weights(fallback) if fallback.is_file() else None,
        )

    def uses_fallback(self, feats: IndexFeatures) -> bool:
        return feats.bank is None and self.fallback is not None

    def predict(self, batch: PairBatch, fallback: bool = False) -> np.ndarray:
        if len(batch.rows) == 0:
            return np.zeros(0, dtype=np.float32)
        if fallback and self.fallback is not None:
            return mlp_probabilities(self.fallback, batch.dense, batch.scalars[:, self.fallback_columns])
        return mlp_probabilities(self.weights, batch.dense, batch.scalars[:, self.columns])

    def probabilities(self, analysis: Analysis, text: str, index: RubricIndex, feats: IndexFeatures) -> np.ndarray:
        """(segments, behaviors): the probability that each sentence evidences each
        behavior; 0 for pairs that were not candidates."""
        out = np.zeros(analysis.scores.shape, dtype=np.float32)
        batch = candidate_pairs(analysis, text, index, feats, self.candidates)
        if len(batch.rows):
            out[batch.rows, batch.cols] = self.predict(batch, self.uses_fallback(feats))
        return out
