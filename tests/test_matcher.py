import numpy as np
import pytest

from evidence_matcher.errors import InputError
from evidence_matcher.index.rubric_index import build_rubric_index
from evidence_matcher.matcher.decision import DecisionParams, evidence_mask
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)


@pytest.fixture
def matcher(fake_embedder, tmp_path):
    return Matcher(embedder=fake_embedder, cache_dir=tmp_path, params=PARAMS)


def test_evidence_needs_both_threshold_and_rank():
    scores = np.array([[0.9, 0.8, 0.1], [0.5, 0.7, 0.65]], dtype=np.float32)
    assert evidence_mask(scores, 0.6, 1).tolist() == [[True, False, False], [False, True, False]]
    assert evidence_mask(scores, 0.6, 2).tolist() == [[True, True, False], [False, True, True]]
    assert evidence_mask(scores, 0.95, 3).sum() == 0
    assert evidence_mask(np.zeros((0, 3), dtype=np.float32), 0.5, 1).shape == (0, 3)


def test_a_runner_up_margin_holds_a_sentences_other_behaviors_to_a_higher_bar():
    scores = np.array([[0.9, 0.8, 0.1], [0.5, 0.7, 0.65]], dtype=np.float32)
    # Row 0: 0.9 is its best (bar 0.6), 0.8 a runner-up (bar 0.75); row 1: 0.7 best, 0.65 short of 0.75.
    assert evidence_mask(scores, 0.6, 3, 0.15).tolist() == [[True, True, False], [False, True, False]]
    assert evidence_mask(scores, 0.6, 3, 0.25).tolist() == [[True, False, False], [False, True, False]]
    assert (evidence_mask(scores, 0.6, 3, 0.0) == evidence_mask(scores, 0.6, 3)).all()


def test_an_example_sentence_is_matched_exactly_with_its_citation(matcher):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    hiring = rubric.locate("hiring.1")[2].examples[0]
    mentoring = rubric.locate("talent-development.2")[2].examples[1]
    text = f"# Review\n\nSome context about my year that is not evidence at all here.\n\n- {hiring}\n- {mentoring}\n"
    result = matcher.match(text)
    by_id = {m.behavior_id: m for m in result.matches}
    assert {"hiring.1", "talent-development.2"} <= set(by_id)
    match = by_id["hiring.1"]
    assert match.score == pytest.approx(1.0, abs=1e-5)
    assert match.strength == "strong"
    assert match.area == "Talent" and match.responsibility == "Hiring"
    citation = match.citations[0]
    assert text[citation.start : citation.end] == citation.quote == hiring
    assert "hiring" in match.rationale.lower() or "similarity 1.00" in match.rationale


def test_gaps_are_the_unmatched_behaviors_and_never_notes(matcher):
    result = matcher.match("I presented nothing of note this year at all, sorry folks.")
    ids = {g.behavior_id for g in result.gaps} | {m.behavior_id for m in result.matches}
    assert len(ids) == 53
    assert "systems-fluency.1" not in ids and "code-fluency.1" not in ids
    assert result.rubric.behaviors == 53


def test_same_input_same_output(matcher):
    text = "I sat on the hiring committee for senior SRE candidates. I mentored two engineers toward staff."
    assert matcher.match(text).model_dump() == matcher.match(text).model_dump()


def test_citations_are_verbatim_and_ordered_by_score(matcher):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    examples = rubric.locate("systems-design.2")[2].examples
    text = "\n\n".join([examples[0], "Filler sentence about lunch and the weather today.", examples[1]])
    match = next(m for m in matcher.match(text).matches if m.behavior_id == "systems-design.2")
    assert [c.score for c in match.citations] == sorted((c.score for c in match.citations), reverse=True)
    for c in match.citations:
        assert text[c.start : c.end] == c.quote


def test_batch_matching_equals_one_by_one(matcher):
    texts = [
        "I ran debriefs for the senior hiring loop every week this quarter.",
        "I wrote our incident pattern analysis across twelve months of postmortems.",
    ]
    assert [r.model_dump() for r in matcher.match_many(texts)] == [matcher.match(t).model_dump() for t in texts]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_refused(matcher, text):
    with pytest.raises(InputError, match="empty"):
        matcher.match(text)


def test_too_long_text_is_refused(fake_embedder, tmp_path):
    small = Matcher(embedder=fake_embedder, cache_dir=tmp_path, params=PARAMS, max_chars=50)
    with pytest.raises(InputError, match="limit is 50"):
        small.match("word " * 20)


def test_text_with_no_sentences_gives_all_gaps(matcher):
    result = matcher.match("# Heading\n\n---\n")
    assert result.matches == [] and result.segments == 0 and len(result.gaps) == 53


def test_rubric_index_is_built_once_per_rubric(matcher, fake_embedder):
    matcher.match("I sat on the hiring committee for senior candidates this year.")
    calls = fake_embedder.calls
    matcher.match("I mentored two engineers through their promotions this year.")
    assert fake_embedder.calls == calls + 1  # only the text was embedded


def test_build_rubric_index_scores_notes_never(fake_embedder):
    index = build_rubric_index(load_rubric(DEFAULT_RUBRIC_ID), fake_embedder)
    assert "code-fluency.1" not in index.behavior_ids
