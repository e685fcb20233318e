"""The versioned output schema shared by ``evidence tag --format json`` and the HTTP API.

Bump ``SCHEMA_VERSION`` on any incompatible change; additions keep the major version.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = "1.0"
Strength = Literal["strong", "moderate", "weak"]


class Citation(BaseModel):
    quote: str = Field(description="Verbatim text: equals text[start:end] of the submitted text.")
    start: int = Field(ge=0, description="Character offset (Python str index) where the quote starts.")
    end: int = Field(ge=0, description="Character offset just past the quote.")
    score: float = Field(
        description="How strongly this sentence evidences the behavior: the verifier's probability (0-1), "
        "or the cosine similarity when the rubric-adapted similarity decision is used."
    )


class BehaviorRef(BaseModel):
    behavior_id: str
    text: str
    area: str
    responsibility: str


class Match(BehaviorRef):
    score: float = Field(description="Document-level evidence score (best supporting sentence).")
    strength: Strength
    rationale: str
    citations: list[Citation]


class JudgeInfo(BaseModel):
    mode: Literal["offline", "llm"] = "offline"
    status: str = "ok"
    reason: str = ""


class Usage(BaseModel):
    """What the LLM judge cost and how far its quotes could be trusted."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_hits: int = 0
    quotes_returned: int = 0
    quotes_located: int = Field(0, description="Quotes found in the submitted text.")
    quotes_dropped: int = Field(0, description="Quotes not found in the text: never shown.")
    quotes_unsupported: int = Field(0, description="Found, but not in a sentence that can evidence that behavior.")
    behaviors_rejected: int = Field(0, description="Verdicts on behaviors that were not candidates.")


class RubricInfo(BaseModel):
    id: str
    title: str
    fingerprint: str
    behaviors: int
    areas: list[str] = Field(default_factory=list, description="Area names in rubric order.")


class SourceRef(BaseModel):
    """Where a text came from when it was imported (GitHub, Jira, Slack) or its front matter names a link."""

    kind: str = Field(description="github, jira, slack, or document (a file whose front matter gives a link).")
    id: str = Field(description="The item as its tool names it: acme/api#412, OPS-7, #incidents 1710412345.000200.")
    title: str = ""
    url: str | None = Field(None, description="Link to the item: open it to check a citation in its original place.")
    date: str | None = Field(None, description="The item's own timestamp (ISO 8601), when it has one.")


class MatchResult(BaseModel):
    schema_version: str = SCHEMA_VERSION
    rubric: RubricInfo
    model: str
    judge: JudgeInfo = JudgeInfo()
    segments: int = Field(description="Sentences and clauses the text was split into.")
    matches: list[Match] = Field(description="Evidenced behaviors, strongest first.")
    gaps: list[BehaviorRef] = Field(description="Behaviors with no evidence, in rubric order.")
    usage: Usage | None = Field(None, description="LLM judge usage (absent for the offline judge).")
    source: SourceRef | None = Field(
        None, description="The imported record the text is (evidence tag/score/packet --from), with its link."
    )
