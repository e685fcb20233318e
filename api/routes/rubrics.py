"""GET /v1/rubrics and /v1/rubrics/{id}: what text can be matched against."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.store import bundled_rubric_paths, load_rubric, load_rubric_file

from .match import check_rubric

router = APIRouter(prefix="/v1/rubrics", tags=["rubrics"])


class RubricSummary(BaseModel):
    id: str
    title: str
    behaviors: int
    notes: int
    fingerprint: str


@router.get("", response_model=list[RubricSummary], summary="List the bundled rubrics")
def list_rubrics() -> list[RubricSummary]:
    out = []
    for rubric_id, path in bundled_rubric_paths().items():
        rubric = load_rubric_file(path)
        notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
        out.append(
            RubricSummary(
                id=rubric_id,
                title=rubric.title,
                behaviors=len(rubric.behaviors),
                notes=notes,
                fingerprint=rubric.fingerprint(),
            )
        )
    return out


@router.get("/{rubric_id}", response_model=Rubric, summary="A rubric with its areas, responsibilities and behaviors")
def get_rubric(rubric_id: str) -> Rubric:
    check_rubric(rubric_id)
    return load_rubric(rubric_id)
