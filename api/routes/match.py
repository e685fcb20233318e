"""POST /v1/match: one text in, the same JSON as `evidence tag --format json` out."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from evidence_matcher.errors import InputError, RubricNotFound
from evidence_matcher.matcher.inputs import check_text
from evidence_matcher.matcher.result import MatchResult
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, bundled_rubric_paths

from ..state import AppState, get_ready_state

router = APIRouter(prefix="/v1", tags=["match"])

JudgeMode = Literal["auto", "offline", "llm"]
EXAMPLE_TEXT = (
    "- I sat on the hiring committee for senior SRE candidates and ran debriefs for eleven loops.\n"
    "- I mentored two senior engineers working toward staff."
)


class MatchRequest(BaseModel):
    text: str = Field(
        min_length=1,
        description="The self-review, brag doc or promo doc (markdown or plain text).",
        examples=[EXAMPLE_TEXT],
    )
    rubric: str = Field(DEFAULT_RUBRIC_ID, description="A bundled rubric id (GET /v1/rubrics).")
    judge: JudgeMode = Field("auto", description="offline, llm, or auto (the LLM when the server has one configured).")
    redact: bool = Field(True, description="Redact emails, phones and names before text goes to the LLM.")


def use_judge(state: AppState, mode: JudgeMode) -> bool:
    if mode == "offline":
        return False
    if state.matcher.judge is None:
        if mode == "llm":
            raise InputError("judge 'llm' requested but this server has no LLM configured (EVIDENCE_LLM_MODEL)")
        return False
    return True


def check_rubric(rubric: str) -> None:
    """Over HTTP a rubric is a bundled id, never a path: a request must not name the server's files."""
    if "/" in rubric or rubric.endswith((".yaml", ".yml")):
        raise InputError("rubric must be the id of a bundled rubric (GET /v1/rubrics), not a path")
    if rubric not in bundled_rubric_paths():
        raise RubricNotFound(f"unknown rubric {rubric!r}: see GET /v1/rubrics for the ids")


@router.post("/match", response_model=MatchResult, summary="Tag one text with the behaviors it evidences")
async def match(body: MatchRequest, state: AppState = Depends(get_ready_state)) -> MatchResult:
    check_rubric(body.rubric)
    judged = use_judge(state, body.judge)
    check_text(body.text, state.settings.max_chars)
    if judged and not body.redact:
        # A per-request judge that sends the text as is; the shared one stays untouched.
        matcher = replace(state.matcher, judge=replace(state.matcher.judge, redact=False))
        return await run_in_threadpool(matcher.match, body.text, body.rubric, True)
    return await state.batcher.match(body.text, body.rubric, judged)
