"""The taxonomy encoder: skill-label lists are taxonomies, embedded with their own shipped adapter."""

from __future__ import annotations

import hashlib
import json

import pytest

from evidence_matcher.eval.esco import load_eval_data
from evidence_matcher.eval.taxonomy_train import WRITTEN, written_rows
from evidence_matcher.index.encoder import TAXONOMY_ENCODER_DIR, has_adapter
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric
from tests.conftest import ROOT, SHARED

FIXTURES = ROOT / "tests" / "fixtures" / "esco"
CARD = TAXONOMY_ENCODER_DIR / "card.json"


def test_an_esco_label_list_is_a_taxonomy_and_a_ladder_is_not():
    rubric, samples, _ = load_eval_data(FIXTURES / "mini_annotations.csv", None, None, DEFAULT_RUBRIC_ID)
    assert rubric.kind == "taxonomy" and samples
    ladder = load_rubric(DEFAULT_RUBRIC_ID)
    assert ladder.kind == "ladder"
    # the field is new: a ladder's fingerprint (and so every cache and stored result keyed by it) did not move
    assert "kind" not in ladder.model_dump(exclude_defaults=True)


def test_the_written_sentences_are_well_formed():
    rows = written_rows(WRITTEN)
    assert len(rows) == 2400 and all(sentence.strip() and "\n" not in sentence for sentence, _ in rows)


@pytest.mark.skipif(not CARD.is_file(), reason="no taxonomy encoder ships in index/taxonomy_encoder/")
def test_the_shipped_adapter_records_the_data_it_was_trained_on():
    card = json.loads(CARD.read_text(encoding="utf-8"))
    assert card["written_sha256"] == hashlib.sha256(WRITTEN.read_bytes()).hexdigest()
    train = SHARED / "datasets" / "skillskape" / "train.csv"
    if not train.is_file():
        pytest.skip(f"{train} is absent (../shared/): cannot check the training file's hash")
    assert card["train_sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.skipif(not has_adapter(TAXONOMY_ENCODER_DIR), reason="no taxonomy encoder ships")
def test_a_taxonomy_is_embedded_with_the_taxonomy_encoder(real_matcher):
    taxonomy, _, _ = load_eval_data(FIXTURES / "mini_annotations.csv", None, None, DEFAULT_RUBRIC_ID)
    assert "+taxonomy-encoder:" in real_matcher.embedder_for(taxonomy).model_id
    assert "+evidence-encoder:" in real_matcher.embedder_for(load_rubric(DEFAULT_RUBRIC_ID)).model_id
    index = real_matcher.rubric_index(taxonomy)
    assert index.embedder is not None and "+taxonomy-encoder:" in index.embedder.model_id
    # decided by its own thresholds (fitted on SkillSkape dev for this model), a ladder by the verifier's
    assert real_matcher.params_for(index).decision == "similarity"
    assert real_matcher.params_for(index).model_id == index.embedder.model_id
    assert real_matcher.params_for(real_matcher.rubric_index()).decision == "verifier"
