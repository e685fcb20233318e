"""From scored documents to a packet: per behavior its strongest citations, the behavior x period coverage
matrix, the gaps to the target level, and how each document was dated.

Ranking: a citation's strength (strong, moderate, weak: the cut-offs of the match's own decision applied to
the citation's own score, never above its match's), then recency (newest first), then its score. A cell of
the matrix is the strongest citation dated in that period; "none" where there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from evidence_matcher.matcher.decision import DecisionParams, strength
from evidence_matcher.matcher.result import BehaviorRef, MatchResult, SourceRef
from evidence_matcher.matcher.scoring.levels import LevelCoverage

from .dates import DocumentDates
from .periods import period_of, periods_between

if TYPE_CHECKING:
    from evidence_matcher.rubrics.model import Rubric
    from evidence_matcher.rubrics.track import Track

RANK = {"none": 0, "weak": 1, "moderate": 2, "strong": 3}


@dataclass
class PacketDocument:
    path: Path
    label: str  # as the packet names it
    dates: DocumentDates | None  # None when it could not be read or scored
    source: SourceRef | None
    results: list[MatchResult | None]  # against each rubric (one, or each level of the track)
    error: str | None = None


@dataclass
class Citation:
    document: str
    path: str
    quote: str
    start: int
    end: int
    score: float
    strength: str
    day: date
    dated_by: str
    link: str | None
    source_id: str | None

    def as_dict(self) -> dict:
        return {**self.__dict__, "day": self.day.isoformat()}


@dataclass
class BehaviorEvidence:
    behavior: BehaviorRef
    citations: list[Citation]  # the strongest, at most the packet's limit
    found: int  # citations found in all, across documents
    cells: list[str]  # per period: none, weak, moderate or strong


@dataclass
class Packet:
    person: str | None
    rubric_id: str
    rubric_title: str
    period: str
    periods: list[str]
    behaviors: list[BehaviorEvidence]  # the target rubric's, in its order
    gaps: dict[str, list[BehaviorRef]]  # area -> behaviors with no evidence, in rubric order
    documents: list[PacketDocument]
    track_id: str | None = None
    track_title: str | None = None
    target: str | None = None  # the level whose behaviors the packet shows
    target_given: bool = False  # --level, or else the level above the fit
    fit: str | None = None
    bar: float = 0.5
    profile: list[LevelCoverage] = field(default_factory=list)

    @property
    def evidenced(self) -> int:
        return sum(1 for b in self.behaviors if b.found)

    def evidence_by_area(self) -> list[tuple[str, list[BehaviorEvidence]]]:
        """The behaviors with citations, grouped by area in rubric order: the Evidence section
        of every rendering (Markdown, HTML, .docx)."""
        groups: list[tuple[str, list[BehaviorEvidence]]] = []
        for b in self.behaviors:
            if not b.citations:
                continue
            if not groups or groups[-1][0] != b.behavior.area:
                groups.append((b.behavior.area, []))
            groups[-1][1].append(b)
        return groups

    def as_dict(self) -> dict:
        return {
            "person": self.person,
            "rubric": {"id": self.rubric_id, "title": self.rubric_title},
            "track": {"id": self.track_id, "title": self.track_title} if self.track_id else None,
            "target": self.target,
            "target_given": self.target_given,
            "fit": self.fit,
            "bar": self.bar,
            "levels": [
                {"level": c.level, "evidenced": c.evidenced, "behaviors": c.behaviors, "coverage": round(c.coverage, 4)}
                for c in self.profile
            ],
            "period": self.period,
            "periods": self.periods,
            "behaviors": [
                {
                    **b.behavior.model_dump(mode="json"),
                    "found": b.found,
                    "cells": dict(zip(self.periods, b.cells, strict=True)),
                    "citations": [c.as_dict() for c in b.citations],
                }
                for b in self.behaviors
            ],
            "gaps": {area: [g.model_dump(mode="json") for g in refs] for area, refs in self.gaps.items()},
            "documents": [
                {
                    "document": d.label,
                    "path": str(d.path),
                    "date": d.dates.document.day.isoformat() if d.dates else None,
                    "dated_by": d.dates.document.how if d.dates else None,
                    "dated_sections": len(d.dates.sections) if d.dates else 0,
                    "source": d.source.model_dump(mode="json") if d.source else None,
                    "error": d.error,
                }
                for d in self.documents
            ],
        }


def _citation_strength(result: MatchResult, match_strength: str, score: float, params: DecisionParams | None) -> str:
    if params is None or result.judge.mode != "offline":
        return match_strength  # the judge's verdict is the match's, not a cut-off on the score
    own = strength(score, params)
    return own if RANK[own] < RANK[match_strength] else match_strength


def _citations(documents: Sequence[PacketDocument], level: int, params: DecisionParams | None) -> dict:
    """behavior id -> every citation of it, across the documents scored against rubric ``level``."""
    found: dict[str, list[Citation]] = {}
    for doc in documents:
        result = doc.results[level] if doc.dates else None
        if result is None or doc.dates is None:
            continue
        for match in result.matches:
            seen: set[str] = set()
            for c in match.citations:
                if c.quote in seen:
                    continue
                seen.add(c.quote)
                dated = doc.dates.at(c.start)
                found.setdefault(match.behavior_id, []).append(
                    Citation(
                        document=doc.label,
                        path=str(doc.path),
                        quote=c.quote,
                        start=c.start,
                        end=c.end,
                        score=c.score,
                        strength=_citation_strength(result, match.strength, c.score, params),
                        day=dated.day,
                        dated_by=dated.how,
                        link=doc.source.url if doc.source else None,
                        source_id=doc.source.id if doc.source else None,
                    )
                )
    return found


def _behavior_refs(rubric: Rubric) -> list[BehaviorRef]:
    return [
        BehaviorRef(behavior_id=b.id, text=b.text, area=area.name, responsibility=resp.name)
        for area, resp, b in rubric.walk()
        if b.kind == "behavior"
    ]


def _profile(track: Track, rubrics: Sequence[Rubric], documents: Sequence[PacketDocument]) -> list[LevelCoverage]:
    """Each level's coverage by all the documents together: a behavior counts once, whichever document shows it."""
    out = []
    for j, (level, rubric) in enumerate(zip(track.level_names(), rubrics, strict=True)):
        shown = {m.behavior_id for d in documents if d.dates and (r := d.results[j]) for m in r.matches}
        out.append(LevelCoverage(level, rubric.id, len(shown), len(rubric.behaviors)))
    return out


def build_packet(
    documents: Sequence[PacketDocument],
    rubrics: Sequence[Rubric],
    period: str = "quarter",
    track: Track | None = None,
    level: str | None = None,
    bar: float = 0.5,
    person: str | None = None,
    per_behavior: int = 3,
    params: DecisionParams | None = None,
) -> Packet:
    """``documents[i].results[j]`` is document i against ``rubrics[j]`` (the levels of ``track``, low to high).

    With a track, the packet shows the target level: ``level`` (as the track spells it), or else the level above
    the one the documents together fit (the lowest when they fit none, the top when they fit the top)."""
    profile: list[LevelCoverage] = []
    fit = target = None
    index = 0
    if track is not None:
        profile = _profile(track, rubrics, documents)
        names = track.level_names()
        fit = next((c.level for c in reversed(profile) if c.coverage >= bar), None)
        target = level or names[min(names.index(fit) + 1, len(names) - 1) if fit else 0]
        index = names.index(target)
    rubric = rubrics[index]
    found = _citations(documents, index, params)
    # Every document's date counts too: a recent period with no evidence for the level is what shows staleness.
    days = [c.day for cs in found.values() for c in cs] + [d.dates.document.day for d in documents if d.dates]
    periods = periods_between(min(days), max(days), period) if days else []
    behaviors: list[BehaviorEvidence] = []
    gaps: dict[str, list[BehaviorRef]] = {}
    for ref in _behavior_refs(rubric):
        cites = found.get(ref.behavior_id, [])
        ranked = sorted(cites, key=lambda c: (RANK[c.strength], c.day, c.score), reverse=True)
        cells = ["none"] * len(periods)
        for c in cites:
            k = periods.index(period_of(c.day, period))
            if RANK[c.strength] > RANK[cells[k]]:
                cells[k] = c.strength
        behaviors.append(BehaviorEvidence(ref, ranked[:per_behavior], len(cites), cells))
        if not cites:
            gaps.setdefault(ref.area, []).append(ref)
    return Packet(
        person=person,
        rubric_id=rubric.id,
        rubric_title=rubric.title,
        period=period,
        periods=periods,
        behaviors=behaviors,
        gaps=gaps,
        documents=list(documents),
        track_id=track.id if track else None,
        track_title=track.title if track else None,
        target=target,
        target_given=level is not None,
        fit=fit,
        bar=bar,
        profile=profile,
    )
