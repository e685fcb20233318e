"""The packet as Markdown and as an HTML page (the coverage matrix as a heatmap). Every sentence shown is a
quote (with its document, date, offsets and link) or the ladder's text; the rest are labels and numbers."""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .build import Citation, Packet

TEMPLATES = Path(__file__).resolve().parent / "templates"
SHADE = {"none": "·", "weak": "weak", "moderate": "moderate", "strong": "strong"}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _where(c: Citation) -> str:
    link = f", [{c.source_id}]({c.link})" if c.link else ""
    return f"{c.document}, {c.day.isoformat()} ({c.dated_by}), chars {c.start}\u2013{c.end}, {c.strength}{link}"


def title(packet: Packet) -> str:
    who = f"{packet.person}: " if packet.person else ""
    level = f" ({packet.target})" if packet.target and packet.target not in packet.rubric_title else ""
    return f"Evidence packet: {who}{packet.rubric_title}{level}"


def summary(packet: Packet) -> str:
    return (
        f"{packet.evidenced} of {len(packet.behaviors)} behaviors evidenced across {len(packet.documents)} documents."
    )


def target_line(packet: Packet) -> str | None:
    if packet.target is None:
        return None
    why = (
        "as asked"
        if packet.target_given
        else (f"the level above the fit, {packet.fit}" if packet.fit else "no level fits")
    )
    return f"Target level: **{packet.target}** ({why}); fit bar {packet.bar:.0%}."


def render_markdown(packet: Packet) -> str:
    lines = [f"# {title(packet)}", ""]
    if line := target_line(packet):
        lines += [line, "", "| level | behaviors evidenced | coverage |", "|---|---|---|"]
        lines += [f"| {c.level} | {c.evidenced} of {c.behaviors} | {c.coverage:.0%} |" for c in packet.profile]
        lines.append("")
    lines.append(
        f"{packet.evidenced} of {len(packet.behaviors)} behaviors evidenced across {len(packet.documents)} documents."
    )
    lines += ["", f"## Coverage by {packet.period}", ""]
    lines.append("| behavior | " + " | ".join(packet.periods) + " |")
    lines.append("|---|" + "---|" * len(packet.periods))
    for b in packet.behaviors:
        cells = " | ".join(SHADE[c] for c in b.cells)
        lines.append(f"| **{b.behavior.behavior_id}** {_cell(b.behavior.text)} | {cells} |")
    lines += ["", "## Evidence"]
    for area, cited in packet.evidence_by_area():
        lines += ["", f"### {area}"]
        for b in cited:
            lines += ["", f"#### {b.behavior.behavior_id}: {b.behavior.text}", ""]
            for c in b.citations:
                lines.append(f"- > \u201c{c.quote}\u201d")
                lines.append(f"  > \u2014 {_where(c)}")
            if b.found > len(b.citations):
                lines.append(f"- ({b.found - len(b.citations)} more citations)")
    if packet.gaps:
        lines += ["", f"## Gaps{f' to {packet.target}' if packet.target else ''}"]
        for area_name, refs in packet.gaps.items():
            lines += ["", f"### {area_name}", ""]
            lines += [f"- **{g.behavior_id}**: {g.text}" for g in refs]
    lines += ["", "## Documents", "", "| document | date | dated by | source |", "|---|---|---|---|"]
    for d in packet.documents:
        if d.dates is None:
            lines.append(f"| {_cell(d.label)} | | failed: {_cell(d.error or '')} | |")
            continue
        sections = f", {len(d.dates.sections)} dated sections" if len(d.dates.sections) > 1 else ""
        source = f"[{d.source.id}]({d.source.url})" if d.source and d.source.url else (d.source.id if d.source else "")
        lines.append(f"| {_cell(d.label)} | {d.dates.document.day} | {d.dates.document.how}{sections} | {source} |")
    return "\n".join(lines) + "\n"


def render_html(packet: Packet) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
    )
    return env.get_template("packet.html").render(packet=packet, title=title(packet), target_line=target_line(packet))


def write_json(packet: Packet, path: Path) -> Path:
    path.write_text(json.dumps(packet.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    return path
