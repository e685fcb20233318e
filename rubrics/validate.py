"""``evidence rubric validate``: every problem of a rubric or track file, located.

A rubric file gets an OK line with its counts, or one line per problem:
``file:line: field.path: what is wrong``. A track file is checked, then each level's
rubric, and that each rubric says it is that level of that track.
"""

from __future__ import annotations

from pathlib import Path

from evidence_matcher.errors import RubricError

from .model import Rubric
from .source import read_source
from .store import MAX_RUBRIC_BYTES, MAX_TRACK_BYTES, check_file, duplicate_keys
from .track import Track, is_track_file


def _looks_like_track(path: Path) -> bool:
    if is_track_file(path):
        return True
    try:
        head = read_source(path, MAX_RUBRIC_BYTES)[:4096]
    except RubricError:
        return False
    return "\nlevels:" in f"\n{head}" and "\nareas:" not in f"\n{head}"


def _counts(rubric: Rubric) -> str:
    notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
    resps = sum(len(a.responsibilities) for a in rubric.areas)
    return f"{len(rubric.areas)} areas, {resps} responsibilities, {len(rubric.behaviors)} behaviors, {notes} notes"


def _check_rubric(path: Path) -> tuple[Rubric | None, list[str]]:
    rubric, issues = check_file(path, Rubric, MAX_RUBRIC_BYTES)
    issues = duplicate_keys(path, read_source(path, MAX_RUBRIC_BYTES)) + issues
    return (rubric if not issues else None), [str(i) for i in issues]


def validate_file(path: Path) -> tuple[bool, list[str]]:
    """(valid, lines to print)."""
    path = Path(path)
    try:
        if not _looks_like_track(path):
            rubric, problems = _check_rubric(path)
            if rubric is None:
                return False, problems
            return True, [f"OK {path}: rubric {rubric.id} ({rubric.title}): {_counts(rubric)}"]
        track, issues = check_file(path, Track, MAX_TRACK_BYTES)
        problems = [str(i) for i in duplicate_keys(path, read_source(path, MAX_TRACK_BYTES)) + issues]
        if track is None or problems:
            return False, problems
        total = 0
        for n, level in enumerate(track.levels):
            rubric_path = path.parent / level.rubric
            try:
                rubric, level_problems = _check_rubric(rubric_path)
            except RubricError as exc:
                problems.append(f"{path}: levels.{n}.rubric: {exc}")
                continue
            problems += level_problems
            if rubric is None:
                continue
            if rubric.track != track.id:
                problems.append(
                    f"{rubric_path}: track: is {rubric.track!r}, but {path.name} lists it for track {track.id!r}"
                )
            if rubric.level != level.level:
                problems.append(
                    f"{rubric_path}: level: is {rubric.level!r}, but {path.name} lists it as level {level.level!r}"
                )
            total += len(rubric.behaviors)
        if problems:
            return False, problems
        return True, [
            f"OK {path}: track {track.id}, {len(track.levels)} levels ({', '.join(track.level_names())}), "
            f"{total} behaviors in all"
        ]
    except RubricError as exc:
        return False, [str(exc)]
