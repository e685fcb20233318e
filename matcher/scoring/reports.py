"""Reports of a scoring run: per document (Markdown, JSON), cohort CSV, cohort HTML.

With one rubric each document gets its match result; with a track (one rubric per
level) it also gets its level fit (``levels``): the coverage of every level, the level it
fits and the gaps to the next level, in its report, in the CSV and in the HTML.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from evidence_matcher.matcher.render import render_markdown, source_link
from evidence_matcher.matcher.result import MatchResult, SourceRef
from evidence_matcher.rubrics.model import Behavior, Rubric

from .levels import LevelFit, level_fit
from .runner import Outcome
from .store import result_json

if TYPE_CHECKING:
    from evidence_matcher.rubrics.track import Track

TEMPLATES = Path(__file__).resolve().parent / "templates"
STRENGTH_LEVEL = {"strong": 3, "moderate": 2, "weak": 1}


def report_name(outcome: Outcome, root: Path | None) -> str:
    """A readable, collision-free file stem: the relative path as a slug plus a short hash."""
    shown = outcome.path.relative_to(root) if root and outcome.path.is_relative_to(root) else Path(outcome.path.name)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", str(shown.with_suffix(""))).strip("-")[:80] or "document"
    return f"{slug}-{outcome.key[:8]}"


def _label(outcome: Outcome, root: Path | None) -> str:
    return str(outcome.path.relative_to(root)) if root and outcome.path.is_relative_to(root) else outcome.path.name


def _judge(outcome: Outcome) -> str:
    return f"{outcome.result.judge.mode}/{outcome.result.judge.status}" if outcome.result else ""


def _behaviors(rubric: Rubric) -> list[tuple[str, Behavior]]:
    return [(area.name, b) for area, _, b in rubric.walk() if b.kind == "behavior"]


def _section(
    rubric: Rubric, outcomes: list[Outcome], rows: list[dict], level: str | None = None, open_: bool = True
) -> dict:
    """One documents × behaviors table: per-area coverage, per-row area counts, strengths."""
    behaviors = _behaviors(rubric)
    strengths = [{m.behavior_id: m.strength for m in o.result.matches} if o.result else {} for o in outcomes]
    scored = [s for o, s in zip(outcomes, strengths, strict=True) if o.result]
    coverage = Counter(bid for s in scored for bid in s)
    areas: dict[str, list] = {}
    for area, behavior in behaviors:
        areas.setdefault(area, []).append(
            {"id": behavior.id, "text": behavior.text, "share": coverage[behavior.id] / len(scored) if scored else 0.0}
        )
    area_bars = [
        {
            "name": area,
            "share": sum(1 for s in scored if any(b["id"] in s for b in items)) / len(scored) if scored else 0.0,
            "mean": sum(b["share"] for b in items) / len(items),
            "size": len(items),
        }
        for area, items in areas.items()
    ]
    cells = []
    for row, outcome, s in zip(rows, outcomes, strengths, strict=True):
        counts = {area: sum(1 for b in items if b["id"] in s) for area, items in areas.items()}
        cells.append(
            {**row, "ok": outcome.result is not None, "strengths": s, "evidenced": len(s), "area_counts": counts}
        )
    return {
        "level": level,
        "rubric": rubric,
        "areas": areas,
        "area_bars": area_bars,
        "rows": cells,
        "scored": len(scored),
        "open": open_,
        "behaviors": len(behaviors),
    }


def _render_html(out_dir: Path, **context) -> Path:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
    )
    page = env.get_template("cohort.html").render(level=STRENGTH_LEVEL, **context)
    path = out_dir / "cohort.html"
    path.write_text(page, encoding="utf-8")
    return path


def with_source(result: MatchResult, source: SourceRef | None) -> MatchResult:
    """The result naming the item the document came from. The store keeps results by content, so the source (a
    property of the file, read from its front matter) is added when the report is written."""
    return result.model_copy(update={"source": source}) if source is not None else result


def write_reports(
    outcomes: list[Outcome],
    rubric: Rubric,
    out_dir: Path,
    root: Path | None = None,
    sources: dict[Path, SourceRef] | None = None,
) -> dict[str, Path]:
    """Reports for documents scored against one rubric; ``sources`` gives the link of imported documents."""
    docs_dir = out_dir / "documents"
    docs_dir.mkdir(parents=True, exist_ok=True)
    behaviors = _behaviors(rubric)
    sources = sources or {}
    rows = []
    for outcome in outcomes:
        name = report_name(outcome, root) if outcome.key else outcome.path.name
        label = _label(outcome, root)
        source = sources.get(outcome.path)
        if outcome.result:
            result = with_source(outcome.result, source)
            (docs_dir / f"{name}.json").write_text(result_json(result), encoding="utf-8")
            markdown = f"<!-- {html.escape(label)} -->\n" + render_markdown(result)
            (docs_dir / f"{name}.md").write_text(markdown, encoding="utf-8")
        rows.append({"label": label, "name": name, "error": outcome.error, "judge": _judge(outcome), "source": source})
    section = _section(rubric, outcomes, rows)

    csv_path = out_dir / "cohort.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "status", "error", "judge", "evidenced", *[b.id for _, b in behaviors]])
        for row in section["rows"]:
            writer.writerow(
                [
                    row["label"],
                    "ok" if row["ok"] else "failed",
                    row["error"] or "",
                    row["judge"],
                    row["evidenced"],
                    *[row["strengths"].get(b.id, "") for _, b in behaviors],
                ]
            )

    failed = [r for r in section["rows"] if not r["ok"]]
    html_path = _render_html(
        out_dir,
        title=rubric.title,
        subtitle=f"Rubric {rubric.id} ({rubric.fingerprint()})",
        sections=[section],
        track=None,
        total=len(rows),
        scored=section["scored"],
        failed=failed,
    )
    return {"csv": csv_path, "html": html_path, "documents": docs_dir}


def _level_markdown(label: str, track: Track, fit: LevelFit, results: list) -> str:
    lines = [f"<!-- {html.escape(label)} -->", f"# Level fit: {track.title}", ""]
    if results and results[0].source is not None:
        source = results[0].source
        lines += [f"Source: {source.kind} {source_link(source)}: {source.title}", ""]
    if fit.fit:
        lines.append(
            f"Fits **{fit.fit}**: the highest level with evidence for at least {fit.bar:.0%} of its behaviors."
        )
    else:
        lines.append(f"No level has evidence for {fit.bar:.0%} of its behaviors.")
    lines += ["", "| level | behaviors evidenced | coverage |", "|---|---|---|"]
    lines += [f"| {c.level} | {c.evidenced} of {c.behaviors} | {c.coverage:.0%} |" for c in fit.profile]
    if fit.next_level:
        since = f" (from {fit.target})" if fit.target else ""
        lines += ["", f"## Gaps to {fit.next_level}{since}", ""]
        lines += [f"- **{g.behavior_id}** ({g.area}): {g.text}" for g in fit.gaps] or [
            "None: every behavior of the level is evidenced."
        ]
    else:
        lines += ["", f"{fit.target} is the top level of the track: no next level."]
    for c, result in zip(fit.profile, results, strict=True):
        body = (
            render_markdown(result)
            .replace("\n## ", "\n### ")
            .replace("# Evidence for", f"## {c.level}: evidence for", 1)
        )
        lines += ["", body.rstrip()]
    return "\n".join(lines) + "\n"


def write_track_reports(
    outcomes: list[list[Outcome]],
    track: Track,
    rubrics: list[Rubric],
    out_dir: Path,
    root: Path | None = None,
    bar: float = 0.5,
    target: str | None = None,
    sources: dict[Path, SourceRef] | None = None,
) -> dict[str, Path]:
    """Reports for documents scored against every level of a track (``outcomes[i][j]``: document i, level j);
    ``sources`` gives the link of imported documents."""
    docs_dir = out_dir / "documents"
    docs_dir.mkdir(parents=True, exist_ok=True)
    sources = sources or {}
    levels = [level.level for level in track.levels]
    rows: list[dict] = []
    fits: list[LevelFit | None] = []
    for per_level in outcomes:
        first = per_level[0]
        name = report_name(first, root) if first.key else first.path.name
        label = _label(first, root)
        errors = [o.error for o in per_level if not o.result]
        source = sources.get(first.path)
        fit: LevelFit | None = None
        if not errors:
            # all of them (no errors), each naming its source
            results = [with_source(o.result, source) for o in per_level if o.result is not None]
            fit = level_fit(track, results, bar, target)
            payload = {
                "document": label,
                "source": source.model_dump(mode="json") if source else None,
                "track": {"id": track.id, "title": track.title, "role": track.role},
                "level_fit": fit.as_dict(),
                "results": {lv: r.model_dump(mode="json") for lv, r in zip(levels, results, strict=True)},
            }
            (docs_dir / f"{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
            (docs_dir / f"{name}.md").write_text(_level_markdown(label, track, fit, results), encoding="utf-8")
        fits.append(fit)
        rows.append(
            {
                "label": label,
                "name": name,
                "error": "; ".join(dict.fromkeys(e for e in errors if e)) or None,
                "judge": _judge(first),
                "fit": fit,
                "source": source,
            }
        )

    all_behaviors = [(lv, b) for lv, rubric in zip(levels, rubrics, strict=True) for _, b in _behaviors(rubric)]
    csv_path = out_dir / "cohort.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "document",
                "status",
                "error",
                "judge",
                *[f"coverage:{lv}" for lv in levels],
                "fit",
                "target",
                "next_level",
                "gaps_to_next",
                *[f"{lv}:{b.id}" for lv, b in all_behaviors],
            ]
        )
        for row, per_level in zip(rows, outcomes, strict=True):
            fit = row["fit"]
            strengths = {
                (lv, m.behavior_id): m.strength
                for lv, o in zip(levels, per_level, strict=True)
                if o.result
                for m in o.result.matches
            }
            head: list[str | int] = [row["label"], "ok" if fit else "failed", row["error"] or "", row["judge"]]
            if fit:
                head += [f"{c.coverage:.4f}" for c in fit.profile] + [
                    fit.fit or "",
                    fit.target or "",
                    fit.next_level or "",
                    len(fit.gaps),
                ]
            else:
                head += [""] * (len(levels) + 4)
            writer.writerow([*head, *[strengths.get((lv, b.id), "") for lv, b in all_behaviors]])

    # The level people are assessed for is the one above --level; by default the top level is shown open.
    focus = levels[min(levels.index(target) + 1, len(levels) - 1)] if target else levels[-1]
    sections = [
        _section(rubric, [per_level[j] for per_level in outcomes], rows, lv, lv == focus)
        for j, (lv, rubric) in enumerate(zip(levels, rubrics, strict=True))
    ]
    scored = [f for f in fits if f]
    fit_counts = Counter(f.fit for f in scored)
    distribution = [{"level": lv, "count": fit_counts.get(lv, 0)} for lv in levels] + [
        {"level": f"below {levels[0]}", "count": fit_counts.get(None, 0)}
    ]
    failed = [r for r in rows if not r["fit"]]
    html_path = _render_html(
        out_dir,
        title=track.title,
        subtitle=f"Track {track.id}: {', '.join(f'{lv} ({r.id})' for lv, r in zip(levels, rubrics, strict=True))}",
        sections=sections,
        track={"levels": levels, "bar": bar, "target": target, "distribution": distribution, "rows": rows},
        total=len(rows),
        scored=len(scored),
        failed=failed,
    )
    return {"csv": csv_path, "html": html_path, "documents": docs_dir}
