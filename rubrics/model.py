"""The rubric data model: areas -> responsibilities -> behaviors.

A rubric is what text gets matched against. Behaviors carry a stable id
(``<responsibility-slug>.<n>``), their text as the ladder states it, a kind
(``behavior`` is matched and can be a gap, ``note`` is shown but never matched) and
optional ``examples``: the same behavior phrased the way people write about their work.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BehaviorKind = Literal["behavior", "note"]


def slugify(name: str) -> str:
    """'Collaborative Reach' -> 'collaborative-reach'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Behavior(_Strict):
    """One expectation of the ladder, as the ladder states it."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]*\.[1-9][0-9]*$",
        description="Stable id '<responsibility-slug>.<n>', n counting from 1 within the responsibility.",
    )
    text: str = Field(min_length=1, description="The behavior as the ladder states it (first or third person).")
    kind: BehaviorKind = Field(
        "behavior", description="'behavior' is matched and can be a gap; 'note' is shown, never matched."
    )
    examples: tuple[str, ...] = Field(
        (), description="The same behavior phrased the way people write about their work (optional)."
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("behavior text is empty")
        return value


class Responsibility(_Strict):
    """A named group of behaviors (a row of the ladder's table)."""

    name: str = Field(min_length=1)
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="The prefix of its behaviors' ids.")
    description: str = Field("", description="What the responsibility means (e.g. from a track appendix).")
    behaviors: tuple[Behavior, ...] = Field(min_length=1)


class Area(_Strict):
    """A section of the ladder (Results, Direction, ...), holding responsibilities."""

    name: str = Field(min_length=1)
    description: str = ""
    responsibilities: tuple[Responsibility, ...] = Field(min_length=1)


class Rubric(_Strict):
    """One level of one ladder: the canonical rubric YAML file holds exactly this."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Rubric id (lowercase, digits, dashes).")
    title: str = Field(min_length=1)
    role: str = ""
    track: str = Field("", description="Id of the track this level belongs to (see *.track.yaml), if any.")
    level: str = Field("", description="The level's name within its track (IC6, senior-1, ...).")
    summary: str = ""
    source: str = Field("", description="Where the rubric was imported from.")
    kind: Literal["ladder", "taxonomy"] = Field(
        "ladder",
        description="ladder: behaviors people show in their work; taxonomy: a flat list of skill labels (ESCO), "
        "matched with the taxonomy encoder.",
    )
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        seen: set[str] = set()
        for _, _, behavior in self.walk():
            if behavior.id in seen:
                raise ValueError(f"duplicate behavior id {behavior.id!r}")
            seen.add(behavior.id)
        return self

    def walk(self) -> Iterator[tuple[Area, Responsibility, Behavior]]:
        for area in self.areas:
            for resp in area.responsibilities:
                for behavior in resp.behaviors:
                    yield area, resp, behavior

    @property
    def behaviors(self) -> list[Behavior]:
        """Matchable behaviors (notes excluded), in rubric order."""
        return [b for _, _, b in self.walk() if b.kind == "behavior"]

    def locate(self, behavior_id: str) -> tuple[Area, Responsibility, Behavior]:
        return self._by_id[behavior_id]

    @cached_property
    def _by_id(self) -> dict[str, tuple[Area, Responsibility, Behavior]]:
        return {behavior.id: (area, resp, behavior) for area, resp, behavior in self.walk()}

    def fingerprint(self) -> str:
        """Content hash: any change to ids, texts or examples changes it."""
        return self._fingerprint

    @cached_property
    def _fingerprint(self) -> str:
        data = self.model_dump(mode="json")
        if data["kind"] == "ladder":
            del data["kind"]  # added later: keeps the fingerprints of ladders
        for area in data["areas"]:
            for resp in area["responsibilities"]:
                if not resp["description"]:
                    del resp["description"]  # added later: keeps the fingerprints of rubrics without it
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
