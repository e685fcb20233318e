"""How the ONNX backend batches sentences: cheapest cuts of the length-sorted list, run on several
workers, and (for int8, whose vectors depend on their batch-mates) one text at a time."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_matcher.index.embedders import (
    OnnxEmbedder,
    _length_sorted_batches,
    encode_groups,
    load_embedder,
    small_model_dir,
)


def _padded_tokens(lengths, batches, row_cost=24):
    return sum(max(lengths[i] for i in b) * len(b) + row_cost for b in batches)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=256), max_size=300))
def test_batches_cover_every_sentence_once_and_beat_fixed_batches(lengths):
    batches = _length_sorted_batches(lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(0 < len(b) <= 64 for b in batches)
    for b in batches:  # each batch is a run of the length-sorted order: longest first
        assert [lengths[i] for i in b] == sorted((lengths[i] for i in b), reverse=True)
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    fixed = [order[i : i + 32] for i in range(0, len(order), 32)]
    assert _padded_tokens(lengths, batches) <= _padded_tokens(lengths, fixed)  # the old fixed batches of 32


def test_a_long_tail_gets_batches_of_its_own():
    lengths = [90, 85] + [20] * 60
    batches = _length_sorted_batches(lengths)
    assert sorted(batches[0]) == [0, 1] and all(len(b) > 2 for b in batches[1:])


TEXTS = [
    ["I led the migration of 40 services to the new region in Q3.", "ok", "I wrote the runbook."],
    [
        "After the March outage I went through eighteen months of postmortems and found that a third of our sev-1s "
        "started with a config push; I proposed a staged rollout gate.",
        "Café, naïve — “quotes” and emoji 🚀 too.",
    ],
    [],
    [f"I mentored engineer number {i} through an incident command rotation." for i in range(70)],
]


@pytest.mark.slow
def test_fp32_vectors_do_not_depend_on_workers_or_batch_mates(cache_dir):
    one = load_embedder(small_model_dir(), cache_dir, "onnx", threads=1)
    two = load_embedder(small_model_dir(), cache_dir, "onnx", threads=2)
    assert isinstance(two, OnnxEmbedder) and two.batch_invariant and (one.workers, two.workers) == (1, 2)
    together = two.encode_groups(TEXTS)
    assert [v.shape for v in together] == [(len(t), 384) for t in TEXTS]
    for text, vectors in zip(TEXTS, together, strict=True):
        np.testing.assert_allclose(vectors, one.encode(text), atol=1e-5)
    np.testing.assert_allclose(
        np.concatenate(encode_groups(two, TEXTS)), two.encode([s for t in TEXTS for s in t]), atol=1e-5
    )
