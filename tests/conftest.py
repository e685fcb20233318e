from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_fa39fa786b0356e7.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class FakeEmbedder:
    """Bag of hashed words: identical word sets embed identically, disjoint ones orthogonally.

    Exact and instant, so retrieval and aggregation can be tested to the digit.
    """

    model_id = "fake/bag-of-words"
    fingerprint = "fake-0001"
    dim = 512

    def __init__(self):
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in set(re.findall(r"[a-z0-9]+", text.lower())):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] = 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture
def seed_path():
    if not SEED.is_file():
        pytest.skip(f"the seed ladder is not available at {SEED} (../shared/ is absent)")
    return SEED


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("evidence-cache")


@pytest.fixture(scope="session")
def real_matcher(cache_dir):
    """The real bundled model (all-MiniLM-L6-v2) through the default backend."""
    from evidence_matcher.matcher.engine import Matcher

    return Matcher.load(cache_dir=cache_dir)
