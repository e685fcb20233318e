"""From segment x behavior similarities to evidenced behaviors, strengths and citations.

A sentence's score for a behavior is the mean of its ``item_top_k`` best similarities
to that behavior's index items (its text and examples). A sentence evidences a behavior when its similarity to the behavior reaches
``threshold`` and the behavior is among the sentence's ``max_rank`` closest behaviors
(a sentence about mentoring should not also count for every behavior it vaguely
resembles). A behavior is evidenced when at least one sentence evidences it; its score
is its best sentence's similarity, its strength comes from cut-offs on that score, and
its citations are its best evidencing sentences.

The numbers are not picked by hand: ``eval.fit`` searches them on the fit split of the
development set and writes them to ``thresholds.json`` beside this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

PARAMS_PATH = Path(__file__).resolve().parent / "thresholds.json"


class DecisionParams(BaseModel):
    threshold: float = Field(description="Minimum sentence-behavior similarity that counts as evidence.")
    max_rank: int = Field(ge=1, description="The behavior must be among the sentence's max_rank closest.")
    item_top_k: int = Field(1, ge=1, description="A sentence's score for a behavior: mean of its top-k item similarities.")
    moderate: float = Field(description="Scores from here are 'moderate'; below, 'weak'.")
    strong: float = Field(description="Scores from here are 'strong'.")
    max_citations: int = 3
    fitted_on: str = ""
    model_id: str = ""


def load_params(path: Path = PARAMS_PATH) -> DecisionParams:
    return DecisionParams.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def evidence_mask(scores: np.ndarray, threshold: float, max_rank: int) -> np.ndarray:
    """(segments, behaviors) bool: does this sentence evidence this behavior?"""
    if scores.size == 0:
        return np.zeros(scores.shape, dtype=bool)
    rank = np.argsort(np.argsort(-scores, axis=1, kind="stable"), axis=1, kind="stable")
    return (scores >= threshold) & (rank < max_rank)


def strength(score: float, params: DecisionParams) -> str:
    if score >= params.strong:
        return "strong"
    return "moderate" if score >= params.moderate else "weak"
