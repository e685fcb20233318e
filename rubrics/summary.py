"""One line's worth of a rubric (id, title, counts, fingerprint): what lists of rubrics show, on every way in."""

from __future__ import annotations

from pydantic import BaseModel

from .model import Rubric
from .store import bundled_rubric_paths, load_rubric_file


class RubricSummary(BaseModel):
    id: str
    title: str
    behaviors: int
    notes: int
    fingerprint: str


def summarize(rubric_id: str, rubric: Rubric) -> RubricSummary:
    notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
    return RubricSummary(
        id=rubric_id, title=rubric.title, behaviors=len(rubric.behaviors), notes=notes, fingerprint=rubric.fingerprint()
    )


def bundled_summaries() -> list[RubricSummary]:
    return [summarize(rubric_id, load_rubric_file(path)) for rubric_id, path in bundled_rubric_paths().items()]
