"""GET /v1/rubrics and /v1/rubrics/{id}: what text can be matched against."""

from __future__ import annotations

from fastapi import APIRouter

from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.store import load_rubric
from evidence_matcher.rubrics.summary import RubricSummary, bundled_summaries

from .match import check_rubric

router = APIRouter(prefix="/v1/rubrics", tags=["rubrics"])


@router.get("", response_model=list[RubricSummary], summary="List the bundled rubrics")
def list_rubrics() -> list[RubricSummary]:
    return bundled_summaries()


@router.get("/{rubric_id}", response_model=Rubric, summary="A rubric with its areas, responsibilities and behaviors")
def get_rubric(rubric_id: str) -> Rubric:
    check_rubric(rubric_id)
    return load_rubric(rubric_id)
