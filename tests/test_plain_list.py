import pytest

from evidence_matcher.errors import RubricError
from evidence_matcher.rubrics.plain_list import parse_list


def test_one_behavior_per_line_skipping_blanks_and_comments():
    rubric = parse_list(
        "# my skills\nmanage musical staff\n\n  supervise correctional procedures  \n", "skills", "Skills", "Skills"
    )
    assert [(b.id, b.text) for b in rubric.behaviors] == [
        ("skills.1", "manage musical staff"),
        ("skills.2", "supervise correctional procedures"),
    ]


def test_an_empty_list_is_an_error():
    with pytest.raises(RubricError, match="no behaviors"):
        parse_list("\n# nothing\n", "x", "X")
