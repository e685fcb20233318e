"""The fast profile (``EVIDENCE_PROFILE=fast``): the evidence encoder, verifier and thresholds
trained on all-MiniLM-L6-v2, for a server under concurrent load."""

import pytest

from evidence_matcher.api.cli import EXAMPLE
from evidence_matcher.index.encoder import FAST_ENCODER_DIR, adapter_fingerprint
from evidence_matcher.matcher.decision import load_params, params_path
from evidence_matcher.matcher.profiles import FAST_PROFILE
from evidence_matcher.matcher.spec import MatcherSpec

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fast_matcher(cache_dir):
    return MatcherSpec(cache_dir, profile="fast").load()


def test_the_fast_profile_embeds_with_its_own_encoder_and_decides_with_its_own_verifier(fast_matcher):
    index = fast_matcher.rubric_index()
    embedder = index.embedder
    assert embedder.model_id.startswith(
        f"sentence-transformers/all-MiniLM-L6-v2+evidence-encoder:{adapter_fingerprint(FAST_ENCODER_DIR)}"
    )
    assert embedder.dim == 384 and fast_matcher.verifier is not None and fast_matcher.verifier.fits(embedder)
    # Its thresholds, fitted for its probabilities (int8 or fp32, whichever backend runs).
    assert fast_matcher.params == load_params(params_path(fast_matcher.backend, stem=FAST_PROFILE.thresholds))
    assert fast_matcher.params.model_id.startswith(fast_matcher.verifier.card["base_model"])
    text = EXAMPLE.read_text(encoding="utf-8")
    result = fast_matcher.match(text)
    by_id = {m.behavior_id: m for m in result.matches}
    assert "hiring.1" in by_id and "committee" in by_id["hiring.1"].citations[0].quote
    assert all(text[c.start : c.end] == c.quote for m in result.matches for c in m.citations)
    assert len(result.matches) + len(result.gaps) == 53
