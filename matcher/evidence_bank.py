"""The evidence bank: the training corpus's sentences, embedded and labelled, as neighbours.

The verifier reads one (sentence, behavior) pair through the behavior's *text*, and a
bi-encoder's sense of which of two neighbouring behaviors a sentence shows is coarse: most
of its false flags on the dev set were the right sentence filed under a neighbouring
behavior. The corpus holds thousands of sentences that careful labelling already filed (on
the IC6 ladder alone 10,498, 2,297 of them evidence). Their nearest ones to a new
sentence say what the same kind of sentence was labelled before: a k-nearest-neighbour
vote, and how close the sentence comes to the bank's evidence of each behavior. The
verifier reads these beside its other features (``PAIR_NAMES``'s ``bank_*``); for a ladder
with no bank (one a user imports) they are zero and ``has_bank`` says so, and the verifier
was trained with a quarter of its documents seeing no bank, so it decides without one.

The bank ships beside the verifier's weights (``matcher/verifier/bank.npz``): vectors of
the evidence encoder, stored as int8 (a cosine moves by < 0.01), each row's rubric id and
the behavior ids it evidences (none for the negatives). ``eval.verifier_train`` writes it
from the same corpus, with the same encoder, in the same run as the weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

NEIGHBOURS = 10  # the vote's k
MIN_ROWS = 50  # a rubric with fewer bank rows gets no bank features (too few neighbours to vote)
BANK_NAMES = ["bank_vote", "bank_best", "bank_top3", "bank_margin", "has_bank"]


@dataclass
class BankView:
    """The bank's rows for one rubric index: vectors and a (rows, behaviors) label matrix in its columns."""

    vectors: np.ndarray  # (rows, dim) float32
    labels: np.ndarray  # (rows, behaviors) float32, 1 where the row evidences the behavior
    members: list[np.ndarray]  # per behavior column, the rows that evidence it


@dataclass
class EvidenceBank:
    vectors: np.ndarray  # (rows, dim) int8: the normalised vector times 127
    rubric: np.ndarray  # (rows,) rubric id
    label_row: np.ndarray  # (labels,) row of each (row, behavior) label
    label_behavior: np.ndarray  # (labels,) its behavior id

    @classmethod
    def build(cls, vectors: np.ndarray, rubric: list[str], labels: list[set[str]]) -> EvidenceBank:
        quantized = np.clip(np.round(np.asarray(vectors, np.float32) * 127.0), -127, 127).astype(np.int8)
        pairs = [(row, b) for row, behaviors in enumerate(labels) for b in sorted(behaviors)]
        return cls(
            quantized,
            np.array(rubric, dtype=str),
            np.array([r for r, _ in pairs], dtype=np.int32),
            np.array([b for _, b in pairs], dtype=str),
        )

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            vectors=self.vectors,
            rubric=self.rubric,
            label_row=self.label_row,
            label_behavior=self.label_behavior,
        )

    @classmethod
    def load(cls, path: Path) -> EvidenceBank:
        with np.load(path) as data:  # plain arrays only: no pickle
            return cls(data["vectors"], data["rubric"], data["label_row"], data["label_behavior"])

    def view(self, rubric_id: str, behavior_ids: list[str], keep: np.ndarray | None = None) -> BankView | None:
        """This rubric's rows (``keep``: a mask over all rows, for training out of fold), or
        None when it has too few to vote."""
        mine = self.rubric == rubric_id
        if keep is not None:
            mine &= keep
        rows = np.flatnonzero(mine)
        if len(rows) < MIN_ROWS:
            return None
        position = np.full(len(self.rubric), -1)
        position[rows] = np.arange(len(rows))
        column = {b: c for c, b in enumerate(behavior_ids)}
        labels = np.zeros((len(rows), len(behavior_ids)), np.float32)
        for row, behavior in zip(self.label_row, self.label_behavior, strict=True):
            if position[row] >= 0 and behavior in column:
                labels[position[row], column[behavior]] = 1.0
        vectors = self.vectors[rows].astype(np.float32) / 127.0
        return BankView(vectors, labels, [np.flatnonzero(labels[:, c]) for c in range(len(behavior_ids))])


def bank_features(view: BankView | None, vectors: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """(pairs, len(BANK_NAMES)) for the pairs (``rows`` of ``vectors``, behavior ``cols``):
    the similarity-weighted share of the sentence's nearest bank rows that evidence the
    behavior, its best and top-3 similarity to the bank's evidence of the behavior, how far
    that best falls short of its best to any bank evidence, and 1 (zeros when there is no view)."""
    out = np.zeros((len(rows), len(BANK_NAMES)), np.float32)
    if view is None or len(rows) == 0:
        return out
    sims = vectors @ view.vectors.T  # (segments, bank rows)
    k = min(NEIGHBOURS, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    weight = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0.0)
    vote = np.einsum("qk,qkb->qb", weight, view.labels[nearest]) / (weight.sum(axis=1, keepdims=True) + 1e-6)
    best = np.full((len(vectors), len(view.members)), -1.0, np.float32)
    top3 = best.copy()
    for c, members in enumerate(view.members):
        if len(members):
            ranked = np.sort(sims[:, members], axis=1)
            best[:, c] = ranked[:, -1]
            top3[:, c] = ranked[:, -3:].mean(axis=1)
    out[:, 0] = vote[rows, cols]
    out[:, 1] = best[rows, cols]
    out[:, 2] = top3[rows, cols]
    out[:, 3] = best.max(axis=1)[rows] - best[rows, cols]
    out[:, 4] = 1.0
    return out
