from evidence_matcher.index.embedders import small_model_dir
from evidence_matcher.index.tuning import can_tune, distinct_behavior_batches, training_pairs, tuned_model_dir
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

RUBRIC = load_rubric(DEFAULT_RUBRIC_ID)


def test_pairs_join_items_of_the_same_behavior_only():
    pairs = training_pairs(RUBRIC, seed=0)
    assert pairs == training_pairs(RUBRIC, seed=0)  # deterministic
    texts = {}
    for b in RUBRIC.behaviors:
        texts[b.id] = {b.text, *b.examples}
    for behavior_id, anchor, positive in pairs[:500]:
        assert anchor != positive
        assert anchor in texts[behavior_id] or anchor in RUBRIC.locate(behavior_id)[2].text


def test_batches_never_hold_a_behavior_twice():
    pairs = training_pairs(RUBRIC, seed=0)
    batches = distinct_behavior_batches(pairs, 32)
    assert sum(len(b) for b in batches) == len(pairs)
    for batch in batches:
        ids = [p[0] for p in batch]
        assert len(ids) == len(set(ids)) <= 32


def test_only_rubrics_with_examples_are_tuned_and_the_cache_key_follows_content(tmp_path):
    assert can_tune(RUBRIC)
    data = RUBRIC.model_dump()
    for area in data["areas"]:
        for resp in area["responsibilities"]:
            for b in resp["behaviors"]:
                b["examples"] = ()
    bare = Rubric.model_validate(data)
    assert not can_tune(bare)
    base = small_model_dir()
    assert tuned_model_dir(tmp_path, base, RUBRIC) == tuned_model_dir(tmp_path, base, RUBRIC)
    assert tuned_model_dir(tmp_path, base, RUBRIC) != tuned_model_dir(tmp_path, base, bare)
