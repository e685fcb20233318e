"""From segment x behavior similarities to evidenced behaviors, strengths and citations.

A sentence's score for a behavior is the mean of its ``item_top_k`` best similarities
to that behavior's index items (its text and examples). A sentence evidences a behavior
when that score reaches ``threshold`` and the behavior is among the sentence's
``max_rank`` closest behaviors
(a sentence about mentoring should not also count for every behavior it vaguely
resembles); any but its best must also clear ``threshold + runner_up_margin`` (set for the
fallback network's ladders, where close neighbours crowd one sentence). A behavior is
evidenced when at least one sentence evidences it; its score is its best sentence's
similarity, its strength comes from cut-offs on that score, and its citations are its
best evidencing sentences (within ``citation_margin`` of the best).

The numbers are not picked by hand: ``eval.fit`` searches them on the fit split of the
development set and writes them to ``thresholds.json`` beside this file (the runner-up
margin is chosen on other ladders, ``eval.unseen_ladder``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, Field

from .result import BehaviorRef, Citation, Match, MatchResult, RubricInfo
from .segment import Segment

if TYPE_CHECKING:
    from evidence_matcher.index.rubric_index import RubricIndex

PARAMS_PATH = Path(__file__).resolve().parent / "thresholds.json"


@dataclass
class Analysis:
    """A segmented, embedded and scored text: everything the decision needs."""

    segments: list[Segment]
    vectors: np.ndarray  # (segments, dim) embeddings
    scores: np.ndarray  # (segments, behaviors) similarity
    best_item: np.ndarray  # (segments, behaviors) row of the closest index item
    evidence: np.ndarray | None = None  # (segments, behaviors) verifier probability, when a verifier ran

    @property
    def support(self) -> np.ndarray:
        """What decisions threshold: the verifier's probabilities, or else the similarities."""
        return self.evidence if self.evidence is not None else self.scores


class DecisionParams(BaseModel):
    decision: Literal["similarity", "verifier"] = Field(
        "similarity", description="What the thresholds apply to: the trained verifier's probability, or the similarity."
    )
    threshold: float = Field(
        description="Minimum sentence-behavior support (probability or similarity) that counts as evidence."
    )
    max_rank: int = Field(ge=1, description="The behavior must be among the sentence's max_rank closest.")
    runner_up_margin: float = Field(
        0.0,
        ge=0,
        description="A sentence's behaviors after its best one need threshold + this margin (0: one bar for all).",
    )
    item_top_k: int = Field(
        1, ge=1, description="A sentence's score for a behavior: mean of its top-k item similarities."
    )
    moderate: float = Field(description="Scores from here are 'moderate'; below, 'weak'.")
    strong: float = Field(description="Scores from here are 'strong'.")
    judge_floor: float = Field(
        0.0, description="LLM judge: a citation's sentence must score at least this for the behavior."
    )
    judge_max_rank: int = Field(
        10, ge=1, description="LLM judge: ...and the behavior must be among that sentence's closest this many."
    )
    max_citations: int = Field(3, ge=1, description="At most this many citations per behavior.")
    citation_margin: float = Field(
        1.0, ge=0, description="Cite only sentences scoring within this margin of the best one."
    )
    without_bank: dict[str, int | float] = Field(
        default_factory=dict,
        description="The verifier's fields fitted again for a rubric with no evidence-bank rows, which its "
        "fallback network decides (threshold, strengths, citations, judge gate).",
    )
    fitted_on: str = ""
    model_id: str = ""


def params_path(backend: str = "auto", adapt: bool = False, stem: str = "thresholds") -> Path:
    """The fitted thresholds for a way of deciding.

    By default (``adapt`` off) the base model's vectors feed the trained verifier and the
    thresholds apply to its probability (``thresholds.json``). With the model adapted to
    the rubric (``adapt``), the older similarity decision applies, fitted for the adapted
    vectors (``thresholds.adapted.json``). int8 vectors are not the fp32 ones, so the
    quantized model has its own file of each, fitted on the same fit split. ``stem``: the
    verifier's thresholds of a profile (``matcher.profiles``); the adapted path has one set.
    """
    stem = "thresholds.adapted" if adapt else stem
    return PARAMS_PATH.with_name(f"{stem}.onnx-int8.json" if backend == "onnx-int8" else f"{stem}.json")


# Rubrics of kind taxonomy (skill labels) are decided by the taxonomy encoder's similarity, with
# thresholds fitted on SkillSkape dev (``evidence eval fit ../shared/datasets/skillskape/dev.csv --write``).
TAXONOMY_PARAMS_PATH = PARAMS_PATH.with_name("thresholds.taxonomy.json")


def unfitted_params(adapt: bool = False) -> DecisionParams:
    """Stand-in thresholds to build a matcher with before any are fitted (``evidence eval fit``)."""
    if adapt:
        return DecisionParams(threshold=0.5, max_rank=1, item_top_k=3, moderate=0.5, strong=0.5)
    return DecisionParams(decision="verifier", threshold=0.5, max_rank=10_000, item_top_k=3, moderate=0.5, strong=0.5)


def load_params(path: Path = PARAMS_PATH) -> DecisionParams:
    if not Path(path).is_file():
        from evidence_matcher.errors import ModelError

        raise ModelError(
            f"no fitted thresholds at {path}: fit them on the dev set (`evidence eval fit ... --write`, "
            "or `evidence eval fit ... --threshold-only --write` for the adapted path on onnx-int8)"
        )
    return DecisionParams.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def evidence_mask(scores: np.ndarray, threshold: float, max_rank: int, runner_up_margin: float = 0.0) -> np.ndarray:
    """(segments, behaviors) bool: does this sentence evidence this behavior? A sentence's
    behaviors after its best one need ``threshold + runner_up_margin``."""
    if scores.size == 0:
        return np.zeros(scores.shape, dtype=bool)
    rank = np.argsort(np.argsort(-scores, axis=1, kind="stable"), axis=1, kind="stable")
    # In the scores' own precision, as a bare threshold is compared (a float32 0.9 must pass a 0.9 bar).
    bar = np.where(rank == 0, threshold, threshold + runner_up_margin).astype(scores.dtype, copy=False)
    return (scores >= bar) & (rank < max_rank)


def strength(score: float, params: DecisionParams) -> str:
    if score >= params.strong:
        return "strong"
    return "moderate" if score >= params.moderate else "weak"


def behavior_ref(index: RubricIndex, behavior_id: str) -> BehaviorRef:
    area, resp, behavior = index.rubric.locate(behavior_id)
    return BehaviorRef(behavior_id=behavior_id, text=behavior.text, area=area.name, responsibility=resp.name)


def behavior_refs(index: RubricIndex) -> list[BehaviorRef]:
    """Every behavior's ref, in index column order (from the places the index found once)."""
    return [
        BehaviorRef.model_construct(behavior_id=behavior_id, text=text, area=area, responsibility=responsibility)
        for behavior_id, (text, area, responsibility) in zip(index.behavior_ids, index.behavior_places, strict=True)
    ]


def decide(analysis: Analysis, index: RubricIndex, params: DecisionParams) -> MatchResult:
    """The matches, strengths, citations and gaps for one analysed text."""
    rubric = index.rubric
    support = analysis.support
    mask = evidence_mask(support, params.threshold, params.max_rank, params.runner_up_margin)
    matches: list[Match] = []
    refs = behavior_refs(index)
    # Only the evidenced columns need work: the rest are gaps.
    evidenced: np.ndarray = mask.any(axis=0)  # type: ignore[assignment]  # numpy types it bool | array; axis=0: array
    gaps: list[BehaviorRef] = [ref for ref, hit in zip(refs, evidenced.tolist(), strict=True) if not hit]
    for col in np.flatnonzero(evidenced).tolist():
        ref = refs[col]
        rows = np.flatnonzero(mask[:, col])
        rows = rows[np.argsort(-support[rows, col], kind="stable")]
        best_row = int(rows[0])
        score = float(support[best_row, col])
        cited = [r for r in rows[: params.max_citations] if support[r, col] >= score - params.citation_margin]
        citations = [
            Citation(
                quote=analysis.segments[r].quote,
                start=analysis.segments[r].start,
                end=analysis.segments[r].end,
                score=round(float(support[r, col]), 4),
            )
            for r in cited
        ]
        nearest = index.item_text(int(analysis.best_item[best_row, col]))
        plural = "s" if len(rows) != 1 else ""
        if analysis.evidence is not None:
            rationale = (
                f"{len(rows)} sentence{plural} verified as evidence (best: probability {score:.2f}, "
                f"similarity {float(analysis.scores[best_row, col]):.2f} to \u201c{_shorten(nearest)}\u201d)."
            )
        else:
            rationale = (
                f"{len(rows)} sentence{plural} read as this behavior; "
                f"the best is closest to \u201c{_shorten(nearest)}\u201d (similarity {score:.2f})."
            )
        matches.append(
            Match(
                **ref.model_dump(),
                score=round(score, 4),
                strength=strength(score, params),
                rationale=rationale,
                citations=citations,
            )
        )
    matches.sort(key=lambda m: -m.score)
    return MatchResult(
        rubric=RubricInfo(
            id=rubric.id,
            title=rubric.title,
            fingerprint=rubric.fingerprint(),
            behaviors=len(index.behavior_ids),
            areas=[a.name for a in rubric.areas],
        ),
        model=index.embedder.model_id if index.embedder else "",
        segments=len(analysis.segments),
        matches=matches,
        gaps=gaps,
    )


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
