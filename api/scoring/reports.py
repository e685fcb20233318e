"""Reports of a scoring run: per document (Markdown, JSON), cohort CSV, cohort HTML."""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.render import render_markdown
from rubrics.model import Rubric

from .runner import Outcome
from .store import result_json

TEMPLATES = Path(__file__).resolve().parent / "templates"
STRENGTH_LEVEL = {"strong": 3, "moderate": 2, "weak": 1}


def report_name(outcome: Outcome, root: Path | None) -> str:
    """A readable, collision-free file stem: the relative path as a slug plus a short hash."""
    shown = outcome.path.relative_to(root) if root and outcome.path.is_relative_to(root) else Path(outcome.path.name)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", str(shown.with_suffix(""))).strip("-")[:80] or "document"
    return f"{slug}-{outcome.key[:8]}"


def write_reports(outcomes: list[Outcome], rubric: Rubric, out_dir: Path, root: Path | None = None) -> dict[str, Path]:
    docs_dir = out_dir / "documents"
    docs_dir.mkdir(parents=True, exist_ok=True)
    behaviors = [(area.name, b) for area, _, b in rubric.walk() if b.kind == "behavior"]
    rows = []
    for outcome in outcomes:
        name = report_name(outcome, root) if outcome.key else outcome.path.name
        label = str(outcome.path.relative_to(root)) if root and outcome.path.is_relative_to(root) else outcome.path.name
        strengths = {m.behavior_id: m.strength for m in outcome.result.matches} if outcome.result else {}
        if outcome.result:
            (docs_dir / f"{name}.json").write_text(result_json(outcome.result), encoding="utf-8")
            markdown = f"<!-- {html.escape(label)} -->\n" + render_markdown(outcome.result)
            (docs_dir / f"{name}.md").write_text(markdown, encoding="utf-8")
        rows.append({"label": label, "name": name, "outcome": outcome, "strengths": strengths})

    csv_path = out_dir / "cohort.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["document", "status", "error", "judge", "evidenced", *[b.id for _, b in behaviors]])
        for row in rows:
            o = row["outcome"]
            judge = f"{o.result.judge.mode}/{o.result.judge.status}" if o.result else ""
            writer.writerow([row["label"], "ok" if o.result else "failed", o.error or "", judge, len(row["strengths"]), *[row["strengths"].get(b.id, "") for _, b in behaviors]])

    scored = [r for r in rows if r["outcome"].result]
    coverage = Counter(bid for r in scored for bid in r["strengths"])
    areas: dict[str, list] = {}
    for area, behavior in behaviors:
        areas.setdefault(area, []).append({"id": behavior.id, "text": behavior.text, "share": coverage[behavior.id] / len(scored) if scored else 0.0})
    area_bars = [
        {"name": area, "share": sum(1 for r in scored if any(b["id"] in r["strengths"] for b in items)) / len(scored) if scored else 0.0,
         "mean": sum(b["share"] for b in items) / len(items)}
        for area, items in areas.items()
    ]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    page = env.get_template("cohort.html").render(
        rubric=rubric, areas=areas, area_bars=area_bars, rows=rows, level=STRENGTH_LEVEL,
        failed=[r for r in rows if not r["outcome"].result], scored=len(scored),
    )
    html_path = out_dir / "cohort.html"
    html_path.write_text(page, encoding="utf-8")
    return {"csv": csv_path, "html": html_path, "documents": docs_dir}
