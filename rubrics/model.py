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
from functools import cached_property
from typing import Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BehaviorKind = Literal["behavior", "note"]


def slugify(name: str) -> str:
    """'Collaborative Reach' -> 'collaborative-reach'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Behavior(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*\.[1-9][0-9]*$")
    text: str = Field(min_length=1)
    kind: BehaviorKind = "behavior"
    examples: tuple[str, ...] = ()

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("behavior text is empty")
        return value


class Responsibility(_Strict):
    name: str = Field(min_length=1)
    slug: str
    behaviors: tuple[Behavior, ...]


class Area(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    responsibilities: tuple[Responsibility, ...]


class Rubric(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    role: str = ""
    track: str = ""
    level: str = ""
    summary: str = ""
    source: str = ""
    areas: tuple[Area, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> "Rubric":
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
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
