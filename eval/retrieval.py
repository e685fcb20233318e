"""Ranking evaluation for large flat taxonomies (the 13,896 ESCO skills): each sample's text
is a query, every label is ranked, and RP@K / MRR / nDCG@10 are computed with
``eval.metrics.ranking_metrics`` over the top ``depth`` labels.

This is the benchmark's own protocol (Decorte et al. 2022): a job-ad sentence against all
labels, no thresholds. The pieces are switchable so each lever can be measured alone:

- ``query``: ``sentence`` embeds the text whole (what the benchmark defines), ``segments``
  uses the matcher's segmentation (sentences and clauses; a short line the matcher would
  skip as a title falls back to the whole text), ``both`` takes each label's best score
  over the sentence and its segments.
- ``templates``: extra phrasings of each label ("experience with {label}"), a label scoring
  its best phrasing.
- ``lexical``: BM25 over the label texts (``bm25s``), fused with the dense ranking by
  reciprocal rank fusion (RRF, k = 60, no weight tuned).

The labels' vectors come from the rubric's cached FAISS index (the one the matcher uses), and
extra phrasings are cached per (model fingerprint, texts): the 13,896 labels are embedded once
per model and phrasing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from evidence_matcher.index.embedders import Embedder
from evidence_matcher.matcher.segment import segment_text
from evidence_matcher.rubrics.model import Rubric

from .dataset import Sample
from .metrics import ranking_metrics

QueryMode = Literal["sentence", "segments", "both"]
QUERY_MODES = ("sentence", "segments", "both")
DEPTH = 100  # ranks kept per query: RP@10 and nDCG@10 need 10; MRR is computed over these
RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al. 2009); not tuned here
FUSION_DEPTH = 1000  # ranks of each list that take part in the fusion
SIMS_BLOCK = 256  # queries scored against every label row at once (256 x 13,896 floats = 14 MB)


def query_texts(text: str, mode: QueryMode) -> list[str]:
    whole = " ".join(text.split())
    if mode == "sentence":
        return [whole]
    segments = [s.clean for s in segment_text(text)]
    if mode == "segments":
        return segments or [whole]
    return list(dict.fromkeys([whole, *segments]))


def encode_cached(embedder: Embedder, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """``embedder.encode(texts)``, kept in ``cache_dir`` by model fingerprint and texts."""
    if cache_dir is None:
        return embedder.encode(list(texts))
    key = hashlib.sha256("\n".join([embedder.fingerprint, *texts]).encode("utf-8")).hexdigest()[:20]
    path = Path(cache_dir) / "label-vectors" / f"{key}.npy"
    if path.is_file():
        return np.load(path)
    vectors = embedder.encode(list(texts))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return vectors


class LexicalIndex:
    """BM25 over label texts (bm25s, English stopwords removed)."""

    def __init__(self, texts: Sequence[str]):
        import bm25s

        self._bm25s = bm25s
        self.model = bm25s.BM25()
        self.model.index(self._tokens(texts), show_progress=False)
        self.size = len(texts)

    def _tokens(self, texts: Sequence[str]) -> list[list[str]]:
        return self._bm25s.tokenize(list(texts), stopwords="en", return_ids=False, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in self._tokens([query])[0] if t in self.model.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)


def top_order(scores: np.ndarray, depth: int) -> np.ndarray:
    """Indices of the ``depth`` best scores, best first (ties broken by index)."""
    depth = min(depth, len(scores))
    part = np.argpartition(-scores, depth - 1)[:depth]
    return part[np.lexsort((part, -scores[part]))]


def rrf(orders: Sequence[np.ndarray], size: int, k: int = RRF_K) -> np.ndarray:
    fused = np.zeros(size, dtype=np.float64)
    for order in orders:
        fused[order] += 1.0 / (k + 1 + np.arange(len(order)))
    return fused


@dataclass
class LabelSpace:
    """The labels to rank: ids, texts, and each phrasing's vector (row -> label)."""

    ids: list[str]
    texts: list[str]
    vectors: np.ndarray  # (rows, dim)
    row_label: np.ndarray  # (rows,) label column of each row
    lexical: LexicalIndex | None = None
    timings: dict[str, float] = field(default_factory=dict)
    _order: np.ndarray | None = field(default=None, repr=False)  # rows grouped by label, for the per-label max
    _starts: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        rubric: Rubric,
        embedder: Embedder,
        templates: Sequence[str] = (),
        lexical: bool = False,
        cache_dir: Path | None = None,
    ) -> LabelSpace:
        behaviors = rubric.behaviors
        ids, texts = [b.id for b in behaviors], [b.text for b in behaviors]
        started = time.perf_counter()
        if cache_dir is None:
            vectors, row_label = embedder.encode(texts), np.arange(len(texts))
        else:  # the rubric's own cached FAISS index: the labels are embedded once, shared with the matcher
            from evidence_matcher.index.rubric_index import load_or_build_rubric_index

            index = load_or_build_rubric_index(rubric, embedder, Path(cache_dir))
            vectors, row_label = index.vectors.index.reconstruct_n(0, index.vectors.index.ntotal), index.item_behavior
        timings = {"label_index": time.perf_counter() - started}
        started = time.perf_counter()
        extra = [t for t in templates if t != "{label}"]
        if extra:
            phrased = encode_cached(embedder, [p.format(label=t) for p in extra for t in texts], cache_dir)
            vectors = np.vstack([vectors, phrased])
            row_label = np.concatenate([row_label, np.tile(np.arange(len(texts)), len(extra))])
        timings["embed_phrasings"] = time.perf_counter() - started
        started = time.perf_counter()
        bm25 = LexicalIndex(texts) if lexical else None
        timings["lexical_index"] = time.perf_counter() - started
        return cls(ids, texts, vectors, row_label, bm25, timings)

    def dense_scores(self, query_vectors: np.ndarray | None = None, row_sims: np.ndarray | None = None) -> np.ndarray:
        """(labels,) best score of any query vector against any phrasing of each label
        (or from ``row_sims``, the queries' similarities to every row, already computed)."""
        if row_sims is None:
            row_sims = query_vectors @ self.vectors.T
        sims = row_sims.max(axis=0)
        if len(sims) == len(self.ids) and np.array_equal(self.row_label, np.arange(len(self.ids))):
            return sims  # one row per label, in label order
        if self._order is None:
            self._order = np.argsort(self.row_label, kind="stable")
            self._starts = np.searchsorted(self.row_label[self._order], np.arange(len(self.ids)))
        return np.maximum.reduceat(sims[self._order], self._starts)

    def lexical_scores(self, queries: Sequence[str]) -> np.ndarray:
        assert self.lexical is not None
        return np.max([self.lexical.scores(q) for q in queries], axis=0)


def rank_samples(
    samples: Sequence[Sample],
    space: LabelSpace,
    embedder: Embedder,
    query: QueryMode = "sentence",
    depth: int = DEPTH,
) -> tuple[list[list[str]], dict[str, float]]:
    """Each sample's top ``depth`` label ids, and where the time went (seconds)."""
    timings = {"segment": 0.0, "embed_queries": 0.0, "search": 0.0}
    started = time.perf_counter()
    per_sample = [query_texts(s.text, query) for s in samples]
    flat = [q for qs in per_sample for q in qs]
    timings["segment"] = time.perf_counter() - started
    started = time.perf_counter()
    vectors = embedder.encode(flat)
    timings["embed_queries"] = time.perf_counter() - started
    started = time.perf_counter()
    rankings, offset, block, block_start = [], 0, np.zeros((0, 0), dtype=np.float32), 0
    for queries in per_sample:
        if offset + len(queries) > block_start + len(block):  # one BLAS call per block of queries
            block_start = offset
            block = vectors[offset : offset + max(SIMS_BLOCK, len(queries))] @ space.vectors.T
        dense = space.dense_scores(row_sims=block[offset - block_start : offset - block_start + len(queries)])
        offset += len(queries)
        if space.lexical is None:
            order = top_order(dense, depth)
        else:
            lexical = space.lexical_scores(queries)
            orders = [top_order(dense, FUSION_DEPTH)]
            if lexical.max() > 0:
                orders.append(top_order(lexical, FUSION_DEPTH)[: int((lexical > 0).sum())])
            order = top_order(rrf(orders, len(space.ids)), depth)
        rankings.append([space.ids[i] for i in order])
    timings["search"] = time.perf_counter() - started
    return rankings, timings


def retrieval_metrics(samples: Sequence[Sample], rankings: list[list[str]]) -> dict[str, float]:
    """RP@5, RP@10, MRR, nDCG@10 over samples with at least one gold label."""
    return ranking_metrics(rankings, [s.gold for s in samples], ks=(5, 10))
