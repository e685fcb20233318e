"""A rubric's behaviors as rows of a vector index, cached on disk.

Each matchable behavior contributes several rows: its text, each sentence of a
multi-sentence text, and each of its ``examples`` (the behavior phrased the way people
write). A segment's similarity to a behavior is its best similarity to any of that
behavior's rows. The index is cached per rubric id and rebuilt when the rubric's
fingerprint or the model changes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from evidence_matcher.rubrics.model import Rubric

from .embedders import Embedder
from .vector_store import FLAT_MAX_ITEMS, VectorIndex, read_sidecar

EXHAUSTIVE_MAX_ROWS = 4096  # a rubric's few hundred rows are scored against every query


def _sentences(text: str) -> list[str]:
    import blingfire

    parts = [s.strip() for s in blingfire.text_to_sentences(text).split("\n")]
    return [s for s in parts if len(s.split()) >= 4]


def index_items(rubric: Rubric) -> list[tuple[str, str, str]]:
    """(behavior id, item id, text) for every row, behaviors in rubric order."""
    items: list[tuple[str, str, str]] = []
    for behavior in rubric.behaviors:
        items.append((behavior.id, f"{behavior.id}#text", behavior.text))
        sentences = _sentences(behavior.text)
        if len(sentences) > 1:
            items += [(behavior.id, f"{behavior.id}#s{n}", s) for n, s in enumerate(sentences, 1)]
        items += [(behavior.id, f"{behavior.id}#ex{n}", ex) for n, ex in enumerate(behavior.examples, 1)]
    return items


@dataclass
class RubricIndex:
    rubric: Rubric
    vectors: VectorIndex
    behavior_ids: list[str]
    item_behavior: np.ndarray  # row -> column in behavior_ids
    item_texts: list[str]
    embedder: Embedder | None = field(default=None, repr=False)  # embeds queries into this index's space
    _rows: list[np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def from_vectors(cls, rubric: Rubric, vectors: VectorIndex, embedder: Embedder | None = None) -> RubricIndex:
        items = index_items(rubric)
        if [item_id for _, item_id, _ in items] != vectors.ids:
            raise ValueError("index rows do not match the rubric's items")
        behavior_ids = [b.id for b in rubric.behaviors]
        column = {bid: i for i, bid in enumerate(behavior_ids)}
        item_behavior = np.array([column[bid] for bid, _, _ in items], dtype=np.int64)
        return cls(rubric, vectors, behavior_ids, item_behavior, [text for _, _, text in items], embedder)

    @cached_property
    def behavior_places(self) -> list[tuple[str, str, str]]:
        """(text, area name, responsibility name) of each behavior, in column order, found once per
        index: a 13,896-label taxonomy would otherwise locate every gap again for every text."""
        places = {b.id: (b.text, area.name, resp.name) for area, resp, b in self.rubric.walk()}
        return [places[behavior_id] for behavior_id in self.behavior_ids]

    def item_text(self, row: int) -> str:
        return self.item_texts[row]

    def behavior_scores(
        self, queries: np.ndarray, top_k: int = 1, top_rows: int = 256
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each query's score for each behavior, and the row of its closest item.

        Both (len(queries), n_behaviors). A behavior's score is the mean of its ``top_k``
        best item similarities: one lucky example is weaker evidence than several close
        ones. Small indexes are scored exhaustively; for a large taxonomy only each
        query's ``top_rows`` nearest rows are scored (best item only) and the other
        behaviors stay at -1, since they could not rank anyway.
        """
        n_queries, n_behaviors = len(queries), len(self.behavior_ids)
        scores = np.full((n_queries, n_behaviors), -1.0, dtype=np.float32)
        best = np.zeros((n_queries, n_behaviors), dtype=np.int64)
        if n_queries == 0:
            return scores, best
        if self.vectors.index.ntotal <= EXHAUSTIVE_MAX_ROWS:
            dense = self.vectors.similarity_matrix(queries)
            for col, rows in enumerate(self._rows_by_behavior()):
                block = dense[:, rows]
                best[:, col] = rows[block.argmax(axis=1)]
                k = min(top_k, len(rows))
                scores[:, col] = block.max(axis=1) if k == 1 else np.sort(block, axis=1)[:, -k:].mean(axis=1)
            return scores, best
        row_scores, rows = self.vectors.search(queries, top_rows)
        # Results are sorted best first, so the first row seen per behavior is its best:
        # walk them in reverse and let earlier (better) rows overwrite later ones.
        for rank in range(row_scores.shape[1] - 1, -1, -1):
            q = np.flatnonzero(rows[:, rank] >= 0)
            behavior = self.item_behavior[rows[q, rank]]
            scores[q, behavior] = row_scores[q, rank]
            best[q, behavior] = rows[q, rank]
        return scores, best

    def _rows_by_behavior(self) -> list[np.ndarray]:
        if self._rows is None:
            order = np.argsort(self.item_behavior, kind="stable")
            bounds = np.searchsorted(self.item_behavior[order], np.arange(len(self.behavior_ids) + 1))
            self._rows = [order[bounds[i] : bounds[i + 1]] for i in range(len(self.behavior_ids))]
        return self._rows


def build_rubric_index(rubric: Rubric, embedder: Embedder, flat_max_items: int = FLAT_MAX_ITEMS) -> RubricIndex:
    items = index_items(rubric)
    started = time.perf_counter()
    vectors = embedder.encode([text for _, _, text in items])
    meta = {
        "model_id": embedder.model_id,
        "model_fingerprint": embedder.fingerprint,
        "rubric_id": rubric.id,
        "rubric_fingerprint": rubric.fingerprint(),
        "behaviors": len(rubric.behaviors),
        "build_seconds": round(time.perf_counter() - started, 3),
    }
    built = VectorIndex.build(vectors, [item_id for _, item_id, _ in items], meta, flat_max_items)
    return RubricIndex.from_vectors(rubric, built, embedder)


def index_path(cache_dir: Path, rubric: Rubric) -> Path:
    return Path(cache_dir) / "indexes" / f"{rubric.id}.faiss"


def is_current(sidecar: dict | None, rubric: Rubric, embedder: Embedder) -> bool:
    return bool(
        sidecar
        and sidecar.get("rubric_fingerprint") == rubric.fingerprint()
        and sidecar.get("model_fingerprint") == embedder.fingerprint
    )


def load_or_build_rubric_index(rubric: Rubric, embedder: Embedder, cache_dir: Path) -> RubricIndex:
    """The cached index when it matches this rubric and model; otherwise build and cache it."""
    path = index_path(cache_dir, rubric)
    if is_current(read_sidecar(path), rubric, embedder):
        try:
            return RubricIndex.from_vectors(rubric, VectorIndex.load(path), embedder)
        except (OSError, ValueError, RuntimeError, KeyError):
            pass  # a damaged cache is rebuilt, not trusted
    built = build_rubric_index(rubric, embedder)
    built.vectors.save(path)
    return built
