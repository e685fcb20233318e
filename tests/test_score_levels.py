"""Level fit in batch scoring: every document against every level of a project-written track.

The fake bag-of-words embedder makes a sentence that repeats a behavior's example score
1.0 for it and far below the threshold for any behavior with other words, so the
coverage of each level, the fit and the gaps are known exactly from the documents.
"""

import csv
import json

import pytest
from typer.testing import CliRunner

from evidence_matcher.errors import EvidenceError
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.scoring.levels import level_fit
from evidence_matcher.matcher.scoring.reports import write_track_reports
from evidence_matcher.matcher.scoring.runner import score_against
from evidence_matcher.matcher.scoring.store import ScoreStore
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.track import Track, TrackLevel, load_track, save_track

PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)

# level -> area -> [(behavior text, [examples])]; every example uses its own words.
LEVELS = {
    "W1": {
        "Delivery": [
            (
                "Ships small changes safely.",
                [
                    "I shipped tidy patches behind feature flags weekly.",
                    "My pull requests stayed small, reviewed and reversible.",
                ],
            ),
            (
                "Fixes bugs in owned code.",
                [
                    "I squashed flaky parser crashes inside our ingestion module.",
                    "Regressions reported by support got patched within days.",
                ],
            ),
        ],
        "Team": [
            (
                "Helps teammates.",
                [
                    "I paired with newcomers during onboarding sessions.",
                    "Answering questions in chat occupied my afternoons.",
                ],
            ),
        ],
    },
    "W2": {
        "Delivery": [
            (
                "Leads a project end to end.",
                [
                    "I drove the billing migration from kickoff through launch.",
                    "Scoping, milestones and rollout of quota enforcement were mine.",
                ],
            ),
            (
                "Designs services.",
                [
                    "I authored the queue architecture proposal adopted company-wide.",
                    "Schema evolution for events followed my design document.",
                ],
            ),
        ],
        "Team": [
            (
                "Mentors engineers.",
                [
                    "Three juniors grew into independent owners under my mentorship.",
                    "Weekly coaching sessions with apprentices built their confidence.",
                ],
            ),
            (
                "Runs incident reviews.",
                [
                    "Blameless postmortems after outages were facilitated by me.",
                    "Retrospective action items got tracked until closure.",
                ],
            ),
        ],
    },
    "W3": {
        "Strategy": [
            (
                "Sets technical direction for an organisation.",
                [
                    "Our multi-year platform roadmap reflects priorities I championed.",
                    "Executives endorsed the consolidation strategy I pitched.",
                ],
            ),
            (
                "Shapes hiring.",
                [
                    "Interview loops across divisions were redesigned following rubric proposals.",
                    "Recruiting pipelines doubled senior offers thanks to outreach.",
                ],
            ),
        ],
    },
}


def example(level: str, behavior: int, n: int = 0) -> str:
    items = [item for area in LEVELS[level].values() for item in area]
    return items[behavior][1][n]


def make_track(folder):
    rubrics = []
    for level, areas in LEVELS.items():
        rubrics.append(
            Rubric.model_validate(
                {
                    "id": f"widget-{level.lower()}",
                    "title": f"Widget Engineer {level}",
                    "track": "widget",
                    "level": level,
                    "areas": [
                        {
                            "name": area,
                            "responsibilities": [
                                {
                                    "name": area,
                                    "slug": area.lower(),
                                    "behaviors": [
                                        {"id": f"{area.lower()}.{i}", "text": text, "examples": list(examples)}
                                        for i, (text, examples) in enumerate(items, 1)
                                    ],
                                }
                            ],
                        }
                        for area, items in areas.items()
                    ],
                }
            )
        )
    track = Track(
        id="widget",
        title="Widget Engineer",
        role="Widget Engineer",
        levels=tuple(TrackLevel(level=lv, rubric=f"widget-{lv.lower()}.yaml") for lv in LEVELS),
    )
    return save_track(track, rubrics, folder)


# W1: 3/3, W2: 2/4, W3: 0/2 -> fits W2 (bar 0.5); gaps to W3: both W3 behaviors.
SENIOR = "\n".join(
    ["# Review", "", *(f"- {example('W1', b)}" for b in range(3)), f"- {example('W2', 0)}", f"- {example('W2', 2, 1)}"]
)
# W1: 1/3 only -> fits no level; gaps to W1 (the lowest): the two it lacks.
JUNIOR = f"# Notes\n\n- {example('W1', 1)}\n- We had a nice offsite in the mountains this spring.\n"


@pytest.fixture
def track_file(tmp_path):
    return make_track(tmp_path / "tracks")


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "senior.md").write_text(SENIOR, encoding="utf-8")
    (folder / "junior.md").write_text(JUNIOR, encoding="utf-8")
    (folder / "empty.md").write_text("", encoding="utf-8")
    return folder


@pytest.fixture
def matcher(fake_embedder, tmp_path):
    return Matcher(embedder=fake_embedder, cache_dir=tmp_path / "cache", params=PARAMS)


def test_each_document_gets_its_coverage_per_level_its_fit_and_its_gaps(track_file, docs, matcher, tmp_path):
    track, rubrics = load_track(track_file)
    paths = sorted(docs.iterdir())  # empty, junior, senior
    store = ScoreStore(tmp_path / "out" / "results.sqlite")
    rows = score_against(paths, matcher, rubrics, store, progress=False)
    assert [[o.status for o in row] for row in rows] == [["failed"] * 3, ["scored"] * 3, ["scored"] * 3]
    senior = level_fit(track, [o.result for o in rows[2]])
    assert [(c.level, c.evidenced, c.behaviors) for c in senior.profile] == [("W1", 3, 3), ("W2", 2, 4), ("W3", 0, 2)]
    assert (senior.fit, senior.target, senior.next_level) == ("W2", "W2", "W3")
    assert [g.behavior_id for g in senior.gaps] == ["strategy.1", "strategy.2"]
    junior = level_fit(track, [o.result for o in rows[1]])
    assert (junior.fit, junior.target, junior.next_level) == (None, None, "W1")
    assert [g.behavior_id for g in junior.gaps] == ["delivery.1", "team.1"]
    # A stricter bar, and a target level given by the user.
    assert level_fit(track, [o.result for o in rows[2]], bar=0.6).fit == "W1"
    targeted = level_fit(track, [o.result for o in rows[2]], target="W1")
    assert (targeted.fit, targeted.next_level, [g.behavior_id for g in targeted.gaps]) == (
        "W2",
        "W2",
        ["delivery.2", "team.2"],
    )
    top = level_fit(track, [o.result for o in rows[2]], target="W3")
    assert top.next_level is None and top.gaps == []

    # Every (document, level) pair is its own row: a second run scores nothing again.
    again = score_against(paths, matcher, rubrics, store, progress=False)
    assert [o.status for row in again[1:] for o in row] == ["stored"] * 6
    assert [o.result for o in again[2]] == [o.result for o in rows[2]]
    store.close()

    written = write_track_reports(rows, track, rubrics, tmp_path / "out", docs)
    with written["csv"].open(encoding="utf-8") as handle:
        table = {r["document"]: r for r in csv.DictReader(handle)}
    assert (
        table["senior.md"]["fit"] == "W2"
        and table["senior.md"]["next_level"] == "W3"
        and table["senior.md"]["gaps_to_next"] == "2"
    )
    assert table["senior.md"]["coverage:W1"] == "1.0000" and table["senior.md"]["coverage:W2"] == "0.5000"
    assert (
        table["senior.md"]["W2:delivery.1"] in {"strong", "moderate", "weak"}
        and table["senior.md"]["W3:strategy.1"] == ""
    )
    assert table["junior.md"]["fit"] == "" and table["junior.md"]["next_level"] == "W1"
    assert table["empty.md"]["status"] == "failed" and "empty" in table["empty.md"]["error"]
    report = json.loads(next(written["documents"].glob("senior-*.json")).read_text(encoding="utf-8"))
    assert report["level_fit"]["fit"] == "W2" and [
        g["behavior_id"] for g in report["level_fit"]["gaps_to_next_level"]
    ] == ["strategy.1", "strategy.2"]
    assert set(report["results"]) == {"W1", "W2", "W3"}
    markdown = next(written["documents"].glob("senior-*.md")).read_text(encoding="utf-8")
    assert (
        "Fits **W2**" in markdown and "## Gaps to W3 (from W2)" in markdown and "Sets technical direction" in markdown
    )
    page = written["html"].read_text(encoding="utf-8")
    assert "Level fit" in page and "below W1" in page and "Documents × behaviors at W3" in page


def test_the_cli_scores_a_track_and_rejects_an_unknown_level(track_file, docs, fake_model_env, tmp_path):
    """`evidence score --track` end to end in-process, with the fake embedder configured in place of the model."""
    from evidence_matcher.api.cli.root import app

    fake_model_env(PARAMS)
    out = tmp_path / "cli-out"
    runner = CliRunner()
    result = runner.invoke(
        app, ["score", str(docs), "--out", str(out), "--track", str(track_file), "--level", "w1", "--judge", "offline"]
    )
    assert result.exit_code == 3, result.output  # empty.md failed
    assert "3 documents × 3 levels: 6 scored, 0 already in the store, 3 failed" in result.output
    with (out / "cohort.csv").open(encoding="utf-8") as handle:
        table = {r["document"]: r for r in csv.DictReader(handle)}
    assert (
        table["senior.md"]["target"] == "W1"
        and table["senior.md"]["next_level"] == "W2"
        and table["senior.md"]["gaps_to_next"] == "2"
    )
    bad = runner.invoke(
        app, ["score", str(docs), "--out", str(out), "--track", str(track_file), "--level", "W9", "--judge", "offline"]
    )
    assert (
        bad.exit_code != 0
        and isinstance(bad.exception, EvidenceError)
        and "not a level of track widget" in str(bad.exception)
    )
