"""The one entry point for matching: ``Matcher.load(...).match(text, rubric)``.

The CLI, the HTTP API and batch scoring all call this. It holds the embedder, the
fitted decision parameters and one cached index per rubric; it reads no environment
variables (the edges turn settings into arguments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from index.embedders import Embedder, load_embedder
from index.rubric_index import RubricIndex, load_or_build_rubric_index
from rubrics.model import Rubric
from rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

from .decision import DecisionParams, evidence_mask, load_params, strength
from .inputs import DEFAULT_MAX_CHARS, check_text
from .result import BehaviorRef, Citation, Match, MatchResult, RubricInfo
from .segment import Segment, segment_text


@dataclass
class Analysis:
    """Everything the decision needs, kept for evaluation (ranking metrics, fitting)."""

    segments: list[Segment]
    vectors: np.ndarray  # (segments, dim) embeddings
    scores: np.ndarray  # (segments, behaviors) similarity
    best_item: np.ndarray  # (segments, behaviors) row of the closest index item


@dataclass
class Matcher:
    embedder: Embedder
    cache_dir: Path
    params: DecisionParams
    max_chars: int = DEFAULT_MAX_CHARS
    _indexes: dict[str, RubricIndex] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        cache_dir: Path,
        model_dir: Path | None = None,
        backend: str = "auto",
        params: DecisionParams | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        threads: int | None = None,
    ) -> "Matcher":
        embedder = load_embedder(model_dir, Path(cache_dir), backend=backend, threads=threads)
        return cls(embedder=embedder, cache_dir=Path(cache_dir), params=params or load_params(), max_chars=max_chars)

    def rubric_index(self, rubric: Rubric | str = DEFAULT_RUBRIC_ID) -> RubricIndex:
        rubric = load_rubric(rubric) if isinstance(rubric, str) else rubric
        key = f"{rubric.id}:{rubric.fingerprint()}"
        if key not in self._indexes:
            self._indexes[key] = load_or_build_rubric_index(rubric, self.embedder, self.cache_dir)
        return self._indexes[key]

    def analyze_many(self, texts: Sequence[str], index: RubricIndex) -> list[Analysis]:
        """Segment and score several texts, embedding all their segments in one pass."""
        all_segments = [segment_text(text) for text in texts]
        flat = [s.clean for segments in all_segments for s in segments]
        vectors = self.embedder.encode(flat)
        scores, best = index.behavior_scores(vectors, self.params.item_top_k)
        out, offset = [], 0
        for segments in all_segments:
            n = len(segments)
            part = slice(offset, offset + n)
            out.append(Analysis(segments, vectors[part], scores[part], best[part]))
            offset += n
        return out

    def decide(self, analysis: Analysis, index: RubricIndex) -> MatchResult:
        params = self.params
        rubric = index.rubric
        mask = evidence_mask(analysis.scores, params.threshold, params.max_rank)
        matches: list[Match] = []
        gaps: list[BehaviorRef] = []
        for col, behavior_id in enumerate(index.behavior_ids):
            area, resp, behavior = rubric.locate(behavior_id)
            ref = dict(behavior_id=behavior_id, text=behavior.text, area=area.name, responsibility=resp.name)
            rows = np.flatnonzero(mask[:, col])
            if rows.size == 0:
                gaps.append(BehaviorRef(**ref))
                continue
            rows = rows[np.argsort(-analysis.scores[rows, col], kind="stable")]
            best_row = int(rows[0])
            score = float(analysis.scores[best_row, col])
            citations = [
                Citation(quote=analysis.segments[r].quote, start=analysis.segments[r].start, end=analysis.segments[r].end, score=round(float(analysis.scores[r, col]), 4))
                for r in rows[: params.max_citations]
            ]
            nearest = index.item_text(int(analysis.best_item[best_row, col]))
            rationale = (
                f"{len(rows)} sentence{'s' if len(rows) != 1 else ''} read as this behavior; "
                f"the best is closest to \u201c{_shorten(nearest)}\u201d (similarity {score:.2f})."
            )
            matches.append(Match(**ref, score=round(score, 4), strength=strength(score, params), rationale=rationale, citations=citations))
        matches.sort(key=lambda m: -m.score)
        return MatchResult(
            rubric=RubricInfo(
                id=rubric.id, title=rubric.title, fingerprint=rubric.fingerprint(),
                behaviors=len(index.behavior_ids), areas=[a.name for a in rubric.areas],
            ),
            model=self.embedder.model_id,
            segments=len(analysis.segments),
            matches=matches,
            gaps=gaps,
        )

    def match_many(self, texts: Sequence[str], rubric: Rubric | str = DEFAULT_RUBRIC_ID) -> list[MatchResult]:
        for i, text in enumerate(texts):
            check_text(text, self.max_chars, f"document {i + 1}" if len(texts) > 1 else "text")
        index = self.rubric_index(rubric)
        return [self.decide(analysis, index) for analysis in self.analyze_many(texts, index)]

    def match(self, text: str, rubric: Rubric | str = DEFAULT_RUBRIC_ID) -> MatchResult:
        return self.match_many([text], rubric)[0]


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
