"""One scoring run as every way in runs it: score documents into a store in the output folder, then write the reports.

``evidence score`` and the MCP server's ``score_folder`` and ``level_fit`` tools call this, so the
same folder gives the same store rows and the same reports whichever way it came in; ``evidence packet``
scores through the same store (``score_into_store``) before it builds its packet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .levels import DEFAULT_BAR
from .runner import Outcome, score_against
from .store import ScoreStore

if TYPE_CHECKING:
    from evidence_matcher.matcher.engine import Matcher
    from evidence_matcher.rubrics.model import Rubric
    from evidence_matcher.rubrics.track import Track

    from .engines import Engine

STORE_NAME = "results.sqlite"


@dataclass
class CohortRun:
    rows: list[list[Outcome]]  # rows[i][j]: document i against rubric j (one rubric, or each level of the track)
    written: dict[str, Path]  # csv, html, documents (the folder of per-document reports)
    counts: dict[str, int] = field(default_factory=dict)  # scored / stored / failed, over (document, rubric) pairs
    errors: list[str] = field(default_factory=list)  # each failure's one line, once

    @property
    def failed(self) -> bool:
        return bool(self.counts.get("failed"))


def score_cohort(
    documents: list[Path],
    matcher: Matcher,
    rubrics: list[Rubric],
    out: Path,
    track: Track | None = None,
    target: str | None = None,
    fit_bar: float = DEFAULT_BAR,
    root: Path | None = None,
    rescore: bool = False,
    progress: bool = False,
    engine: Engine | None = None,
    store_at: Path | str | None = None,
) -> CohortRun:
    """Score ``documents`` against ``rubrics`` (the levels of ``track`` when given) with the store at
    ``store_at`` (a SQLite file or a database URL; default ``out/results.sqlite``), then write the cohort and
    per-document reports into ``out``. A document whose front matter names its source (an imported record, or
    a ``link:``) keeps that link in every report.
    """
    from evidence_matcher.matcher.sources import document_sources

    from .reports import write_reports, write_track_reports

    rows = score_into_store(documents, matcher, rubrics, out, store_at, rescore, progress, engine)
    sources = document_sources(documents)
    if track is not None:
        written = write_track_reports(rows, track, rubrics, out, root, fit_bar, target, sources)
    else:
        written = write_reports([row[0] for row in rows], rubrics[0], out, root, sources)
    counts, errors = tally(rows)
    return CohortRun(rows, written, counts, errors)


def score_into_store(
    documents: list[Path],
    matcher: Matcher,
    rubrics: list[Rubric],
    out: Path,
    store_at: Path | str | None = None,
    rescore: bool = False,
    progress: bool = False,
    engine: Engine | None = None,
) -> list[list[Outcome]]:
    """Score ``documents`` against ``rubrics`` through the results store at ``store_at`` (a SQLite file or a
    database URL; default ``out/results.sqlite``): what the store already has is read back, not scored again
    (unless ``rescore``). ``evidence score`` and ``evidence packet`` (and the MCP tools) all score through here."""
    store = ScoreStore(store_at if store_at is not None else Path(out) / STORE_NAME)
    try:
        return score_against(documents, matcher, rubrics, store, rescore=rescore, progress=progress, engine=engine)
    finally:
        store.close()


def tally(rows: list[list[Outcome]]) -> tuple[dict[str, int], list[str]]:
    """Counts of scored / stored / failed (document, rubric) pairs, and each failure's one line, once."""
    outcomes = [o for row in rows for o in row]
    counts = {status: sum(o.status == status for o in outcomes) for status in ("scored", "stored", "failed")}
    errors = list(dict.fromkeys(o.error for o in outcomes if o.status == "failed" and o.error))
    return counts, errors
