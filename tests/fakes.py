"""Stand-ins the tests plug in through the product's own seams (``EVIDENCE_EMBEDDER=tests.fakes:FakeEmbedder``)."""

from __future__ import annotations

import hashlib
import re

import numpy as np


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


class SlowFakeEmbedder(FakeEmbedder):
    """The fake, a quarter of a second per call: a batch job of a few chunks lasts long enough to kill its server
    mid-job (each chunk is one call)."""

    delay = 0.25

    def encode(self, texts):
        import time

        time.sleep(self.delay)
        return super().encode(texts)


def fake_matcher(cache_dir):
    """A matcher on the fake embedder with fixed similarity thresholds: the app tests' stand-in for the model."""
    from evidence_matcher.matcher.decision import DecisionParams
    from evidence_matcher.matcher.engine import Matcher

    params = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)
    return Matcher(embedder=FakeEmbedder(), cache_dir=cache_dir, params=params)
