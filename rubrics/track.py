"""Tracks: the levels of one role, in order, each level a canonical rubric file.

A track file is named ``<track-id>.track.yaml`` and lists its levels from lowest to
highest, each with the path of its rubric relative to the track file. Every level's
rubric says which track and level it is (``rubric.track``, ``rubric.level``), so a
rubric file taken out of its folder still knows where it belongs, and a track cannot
silently point at another track's files. Matching uses the order to report how well
a text fits a level and the gaps to the next one.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field, model_validator

from evidence_matcher.errors import RubricError

from .model import Rubric, _Strict
from .store import MAX_TRACK_BYTES, load_file, load_rubric_file, save_rubric

TRACK_SUFFIX = ".track.yaml"
MAX_TRACK_LEVELS = 100


class TrackLevel(_Strict):
    level: str = Field(min_length=1, description="The level's name (IC1, senior-1, ...), as its rubric's 'level'.")
    rubric: str = Field(min_length=1, description="Path of the level's rubric YAML, relative to the track file.")


class Track(_Strict):
    """The levels of one role, ordered from lowest to highest."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    role: str = ""
    levels: tuple[TrackLevel, ...] = Field(min_length=1, max_length=MAX_TRACK_LEVELS)

    @model_validator(mode="after")
    def _unique_levels(self) -> Track:
        seen: set[str] = set()
        for level in self.levels:
            if level.level in seen:
                raise ValueError(f"duplicate level {level.level!r}")
            seen.add(level.level)
        return self

    def level_names(self) -> list[str]:
        return [level.level for level in self.levels]


def with_track(rubric: Rubric, track_id: str) -> Rubric:
    """The same rubric, marked as a level of ``track_id`` (validated again)."""
    return Rubric.model_validate({**rubric.model_dump(), "track": track_id})


def is_track_file(path: Path) -> bool:
    return Path(path).name.endswith(TRACK_SUFFIX)


def track_path(folder: Path, track: Track) -> Path:
    return Path(folder) / f"{track.id}{TRACK_SUFFIX}"


def load_track_file(path: Path) -> Track:
    return load_file(Path(path), Track, MAX_TRACK_BYTES)


def load_track(path: Path) -> tuple[Track, list[Rubric]]:
    """The track at ``path`` and its levels' rubrics, lowest level first, each validated."""
    path = Path(path)
    track = load_track_file(path)
    rubrics: list[Rubric] = []
    for level in track.levels:
        rubric_path = (path.parent / level.rubric).resolve()
        rubric = load_rubric_file(rubric_path)
        if rubric.track != track.id:
            raise RubricError(
                f"{rubric_path}: track is {rubric.track!r}, but {path.name} lists it for track {track.id!r}"
            )
        if rubric.level != level.level:
            raise RubricError(
                f"{rubric_path}: level is {rubric.level!r}, but {path.name} lists it as level {level.level!r}"
            )
        rubrics.append(rubric)
    return track, rubrics


def dump_track(track: Track) -> str:
    data = track.model_dump(mode="json", exclude_defaults=True)
    return yaml.dump(
        data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False, allow_unicode=True, width=100
    )


def save_track(track: Track, rubrics: list[Rubric], folder: Path) -> Path:
    """Write the track file and one rubric file per level into ``folder``; return the track file."""
    folder = Path(folder)
    if [r.level for r in rubrics] != track.level_names():
        raise ValueError("rubrics must be given in the track's level order")
    folder.mkdir(parents=True, exist_ok=True)
    for level, rubric in zip(track.levels, rubrics, strict=True):
        if rubric.track != track.id:
            raise ValueError(f"rubric {rubric.id} is not marked as a level of track {track.id}")
        save_rubric(rubric, folder / level.rubric)
    path = track_path(folder, track)
    path.write_text(dump_track(track), encoding="utf-8")
    return path
