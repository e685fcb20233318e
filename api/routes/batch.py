"""POST /v1/batch and GET /v1/batch/{id}: many documents without holding a connection open."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from evidence_matcher.errors import InputError, NotFound
from evidence_matcher.matcher.inputs import check_text
from evidence_matcher.matcher.result import MatchResult
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from ..state import AppState, get_ready_state
from .match import JudgeMode, check_rubric, use_judge

router = APIRouter(prefix="/v1/batch", tags=["batch"])
MAX_DOCUMENTS = 500


class BatchDocument(BaseModel):
    id: str | None = Field(None, description="Your id for the document (default: its position).")
    text: str = Field(min_length=1)


class BatchRequest(BaseModel):
    documents: list[BatchDocument] = Field(min_length=1, max_length=MAX_DOCUMENTS)
    rubric: str = DEFAULT_RUBRIC_ID
    judge: JudgeMode = "auto"


class BatchAccepted(BaseModel):
    job_id: str
    status_url: str
    total: int


class BatchStatus(BaseModel):
    job_id: str
    status: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    results: dict[str, MatchResult] = Field(description="Finished documents by id.")
    errors: dict[str, str]


@router.post("", response_model=BatchAccepted, status_code=202, summary="Start scoring many documents")
def start_batch(body: BatchRequest, state: AppState = Depends(get_ready_state)) -> BatchAccepted:
    check_rubric(body.rubric)
    judged = use_judge(state, body.judge)
    ids = [doc.id or str(i) for i, doc in enumerate(body.documents)]
    if len(set(ids)) != len(ids):
        raise InputError("document ids must be unique")
    for doc_id, doc in zip(ids, body.documents, strict=True):
        check_text(doc.text, state.settings.max_chars, f"document {doc_id!r}")
    assert state.jobs is not None  # opened before the state is ready
    job_id = state.jobs.submit([d.text for d in body.documents], ids, body.rubric, judged)
    return BatchAccepted(job_id=job_id, status_url=f"/v1/batch/{job_id}", total=len(ids))


@router.get("/{job_id}", response_model=BatchStatus, summary="Progress and results of a batch")
def batch_status(job_id: str, state: AppState = Depends(get_ready_state)) -> BatchStatus:
    assert state.jobs is not None
    job = state.jobs.get(job_id)
    if job is None:
        raise NotFound(f"no batch job {job_id!r} (unknown or expired)")
    return BatchStatus(
        job_id=job.id, status=job.status, done=job.done, total=job.total, results=job.results, errors=job.errors
    )
