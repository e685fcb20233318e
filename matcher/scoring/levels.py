"""Level fit: a document scored against every level of a track (``rubrics.track``).

For each level, the coverage is the share of that level's behaviors the document
evidences. The fit is the highest level whose coverage reaches ``bar``; the default bar,
one half ("evidences most of what the level asks"), is a stated convention, not a
fitted number: there is no data labelled with people's levels to fit it on, so reports
always show the whole coverage profile next to it and the bar is an option. The gaps
are the behaviors of the level above the target level (``--level``, or else the level
the document fits; the lowest level when it fits none) that the document does not
evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evidence_matcher.errors import EvidenceError

if TYPE_CHECKING:  # kept out of the import path of `evidence --help`
    from evidence_matcher.matcher.result import BehaviorRef, MatchResult
    from evidence_matcher.rubrics.model import Rubric
    from evidence_matcher.rubrics.track import Track

DEFAULT_BAR = 0.5


@dataclass
class LevelCoverage:
    level: str
    rubric_id: str
    evidenced: int
    behaviors: int

    @property
    def coverage(self) -> float:
        return self.evidenced / self.behaviors if self.behaviors else 0.0


@dataclass
class LevelFit:
    profile: list[LevelCoverage]
    bar: float
    fit: str | None  # highest level whose coverage reaches the bar; None: not even the lowest
    target: str | None  # the level the gaps are measured from
    next_level: str | None  # the level above the target; None at the top of the track
    gaps: list[BehaviorRef] = field(default_factory=list)  # behaviors of next_level not evidenced

    def as_dict(self) -> dict:
        return {
            "bar": self.bar,
            "fit": self.fit,
            "target": self.target,
            "next_level": self.next_level,
            "levels": [
                {
                    "level": c.level,
                    "rubric": c.rubric_id,
                    "evidenced": c.evidenced,
                    "behaviors": c.behaviors,
                    "coverage": round(c.coverage, 4),
                }
                for c in self.profile
            ],
            "gaps_to_next_level": [g.model_dump(mode="json") for g in self.gaps],
        }


def level_names(track: Track) -> list[str]:
    return [level.level for level in track.levels]


def check_level(track: Track, level: str | None) -> str | None:
    """The ``--level`` value as the track spells it (case-insensitive), or a one-line error."""
    if level is None:
        return None
    names = level_names(track)
    for name in names:
        if name.lower() == level.lower():
            return name
    raise EvidenceError(f"--level {level!r} is not a level of track {track.id} (levels: {', '.join(names)})")


def rubrics_to_score(
    rubric: str, track: str | Path | None, level: str | None
) -> tuple[Track | None, list[Rubric], str | None]:
    """(the track or None, its levels' rubrics or the one rubric, the target level or None): what
    ``--rubric``, ``--track`` and ``--level`` ask for, from the CLI or the MCP server alike."""
    from evidence_matcher.rubrics.store import load_rubric

    if track is not None:
        from evidence_matcher.rubrics.track import load_track

        loaded_track, rubrics = load_track(Path(track).expanduser())
        return loaded_track, rubrics, check_level(loaded_track, level)
    if level is not None:
        raise EvidenceError("--level needs --track")
    return None, [load_rubric(rubric)], None


def level_fit(
    track: Track, results: Sequence[MatchResult], bar: float = DEFAULT_BAR, target: str | None = None
) -> LevelFit:
    """``results[i]`` is the document scored against the rubric of ``track.levels[i]`` (low to high)."""
    names = level_names(track)
    profile = [
        LevelCoverage(name, result.rubric.id, len(result.matches), result.rubric.behaviors)
        for name, result in zip(names, results, strict=True)
    ]
    fit = next((c.level for c in reversed(profile) if c.coverage >= bar), None)
    target = target if target is not None else fit
    above = names.index(target) + 1 if target is not None else 0
    next_level = names[above] if above < len(names) else None
    gaps = list(results[above].gaps) if next_level is not None else []
    return LevelFit(profile, bar, fit, target, next_level, gaps)
