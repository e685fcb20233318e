import pytest
import yaml

from evidence_matcher.errors import RubricError
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.seed_format import import_seed_file
from evidence_matcher.rubrics.store import (
    DEFAULT_RUBRIC_ID,
    bundled_rubric_paths,
    dump_rubric,
    load_rubric,
    load_rubric_file,
)

EXPECTED_IDS = (
    ["scope.1", "scope.2", "collaborative-reach.1", "collaborative-reach.2"]
    + [f"impact-levers.{n}" for n in range(1, 5)]
    + [f"impact.{n}" for n in range(1, 5)]
    + ["ownership.1", "ownership.2", "decision-making.1", "decision-making.2", "agility.1"]
    + [f"innovation.{n}" for n in range(1, 4)]
    + ["strategy.1", "strategy.2"]
    + [f"personal-growth.{n}" for n in range(1, 4)]
    + [f"hiring.{n}" for n in range(1, 5)]
    + [f"talent-development.{n}" for n in range(1, 5)]
    + [f"collaboration.{n}" for n in range(1, 4)]
    + [f"organizational-health.{n}" for n in range(1, 5)]
    + ["communication.1", "communication.2", "systems-fluency.1"]
    + [f"systems-design.{n}" for n in range(1, 10)]
    + ["code-fluency.1", "technical-strategy.1", "technical-strategy.2"]
)


def test_seed_importer_gives_the_55_ids_in_order(seed_path):
    rubric = import_seed_file(seed_path)
    ids = [b.id for _, _, b in rubric.walk()]
    assert ids == EXPECTED_IDS
    assert len(ids) == 55
    notes = [b.id for _, _, b in rubric.walk() if b.kind == "note"]
    assert notes == ["systems-fluency.1", "code-fluency.1"]
    assert len(rubric.behaviors) == 53
    assert [a.name for a in rubric.areas] == [
        "Scope",
        "Collaborative Reach",
        "Impact Levers",
        "Results",
        "Direction",
        "Talent",
        "Culture",
        "Craft",
    ]


def test_seed_text_is_kept_as_the_seed_has_it(seed_path):
    rubric = import_seed_file(seed_path)
    _, resp, behavior = rubric.locate("decision-making.2")
    assert resp.name == "Decision Making"
    assert behavior.text == "I'm able to reach the right decision despite conflicting perspectives"
    assert rubric.locate("impact-levers.1")[2].text.startswith("Domain Expertise - I demonstrate")
    assert "EscrowTab’s" in rubric.locate("scope.2")[2].text


def test_bundled_default_rubric_matches_the_seed(seed_path):
    seed = import_seed_file(seed_path)
    bundled = load_rubric(DEFAULT_RUBRIC_ID)
    assert [(b.id, b.text, b.kind) for _, _, b in bundled.walk()] == [(b.id, b.text, b.kind) for _, _, b in seed.walk()]


def test_every_ic6_behavior_has_three_or_more_examples_and_notes_none():
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    for _, _, behavior in rubric.walk():
        if behavior.kind == "note":
            assert behavior.examples == ()
        else:
            assert len(behavior.examples) >= 3, behavior.id
            assert len(set(behavior.examples)) == len(behavior.examples)


def test_yaml_round_trip_is_lossless(tmp_path):
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    path = tmp_path / "copy.yaml"
    path.write_text(dump_rubric(rubric), encoding="utf-8")
    again = load_rubric_file(path)
    assert again == rubric
    assert again.fingerprint() == rubric.fingerprint()


def test_bundled_rubrics_are_listed_by_id():
    assert DEFAULT_RUBRIC_ID in bundled_rubric_paths()


def _write(tmp_path, data):
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _minimal(behaviors):
    return {
        "id": "x",
        "title": "X",
        "areas": [{"name": "A", "responsibilities": [{"name": "R", "slug": "r", "behaviors": behaviors}]}],
    }


@pytest.mark.parametrize(
    "behaviors, message",
    [
        ([{"id": "r.1", "text": "a"}, {"id": "r.1", "text": "b"}], "duplicate behavior id 'r.1'"),
        ([{"id": "r.1", "text": "   "}], "behavior text is empty"),
        ([{"id": "r.1", "text": "a", "colour": "red"}], "colour"),
        ([{"id": "R 1", "text": "a"}], "areas.0.responsibilities.0.behaviors.0.id"),
    ],
)
def test_invalid_rubrics_get_an_actionable_error(tmp_path, behaviors, message):
    with pytest.raises(RubricError) as info:
        load_rubric_file(_write(tmp_path, _minimal(behaviors)))
    assert message in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_unsafe_yaml_is_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("!!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(RubricError, match="not valid YAML"):
        load_rubric_file(path)


def test_unknown_rubric_id_lists_what_exists():
    with pytest.raises(RubricError, match="unknown rubric 'nope'.*ic6-principal-reliability-engineer"):
        load_rubric("nope")


def test_fingerprint_changes_with_content():
    rubric = load_rubric(DEFAULT_RUBRIC_ID)
    data = rubric.model_dump()
    data["areas"][0]["responsibilities"][0]["behaviors"][0]["text"] += " (edited)"
    assert Rubric.model_validate(data).fingerprint() != rubric.fingerprint()
