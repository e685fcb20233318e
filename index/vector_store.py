"""A FAISS inner-product index persisted with a JSON sidecar.

Vectors are L2-normalised, so inner product is cosine similarity. The sidecar records
what the vectors mean (row ids), what made them (model id and fingerprint, dimension)
and from what (content fingerprint), so a stale index is detected instead of trusted.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

# Exact search over n x 384 floats costs ~n*384 multiply-adds per query: for the
# 13,896-label ESCO taxonomy that is ~5M, well under a millisecond, so exact search is
# the right choice up to tens of thousands of items. Beyond, HNSW keeps queries sub-linear.
FLAT_MAX_ITEMS = 50_000
HNSW_NEIGHBORS = 32
SIDECAR_VERSION = 1


def choose_index_type(n_items: int, flat_max_items: int = FLAT_MAX_ITEMS) -> str:
    return "flat-ip" if n_items <= flat_max_items else f"hnsw{HNSW_NEIGHBORS}-ip"


def _new_index(index_type: str, dim: int) -> faiss.Index:
    if index_type == "flat-ip":
        return faiss.IndexFlatIP(dim)
    if index_type.startswith("hnsw"):
        index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBORS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = 128
        return index
    raise ValueError(f"unknown index type {index_type!r}")


@dataclass
class VectorIndex:
    index: faiss.Index
    ids: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls, vectors: np.ndarray, ids: list[str], meta: dict[str, Any], flat_max_items: int = FLAT_MAX_ITEMS
    ) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(ids):
            raise ValueError("need one vector per id")
        index_type = choose_index_type(len(ids), flat_max_items)
        index = _new_index(index_type, vectors.shape[1])
        index.add(vectors)
        meta = {**meta, "index_type": index_type, "dimension": int(vectors.shape[1]), "count": len(ids)}
        return cls(index=index, ids=list(ids), meta=meta)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each (len(queries), k'), best first; k' = min(k, size)."""
        k = min(k, self.index.ntotal)
        return self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def similarity_matrix(self, queries: np.ndarray) -> np.ndarray:
        """Cosine similarity of every query to every row (small indexes only)."""
        scores, rows = self.search(queries, self.index.ntotal)
        dense = np.full((len(queries), self.index.ntotal), -1.0, dtype=np.float32)
        valid = rows >= 0
        np.put_along_axis(dense, np.where(valid, rows, 0), np.where(valid, scores, -1.0), axis=1)
        return dense

    def save(self, path: Path) -> None:
        """Write ``path`` (FAISS) and ``path.json`` (sidecar), each atomically. The temporary files are
        this writer's own: several threads or processes (a server's workers, Ray actors, a CLI) may
        build the same index at once on a fresh cache, and the last complete one wins."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        sidecar = {"version": SIDECAR_VERSION, **self.meta, "ids": self.ids}
        for target, write in (
            (path, lambda tmp: faiss.write_index(self.index, str(tmp))),
            (
                sidecar_path(path),
                lambda tmp: tmp.write_text(json.dumps(sidecar, indent=1, ensure_ascii=False), encoding="utf-8"),
            ),
        ):
            handle, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
            os.close(handle)
            tmp = Path(name)
            try:
                write(tmp)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        path = Path(path)
        sidecar = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
        ids = sidecar.pop("ids")
        sidecar.pop("version", None)
        index = faiss.read_index(str(path))
        if index.ntotal != len(ids):
            raise ValueError(f"{path}: index holds {index.ntotal} vectors but the sidecar lists {len(ids)} ids")
        return cls(index=index, ids=ids, meta=sidecar)


def sidecar_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".json")


def read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
