"""Importer for Kensho's career tracks (one Markdown file per track).

Read with markdown-it-py (CommonMark + tables), so escaping, entities (``&amp;``), bold
and italic markup, indented rows and rows without a closing ``|`` are the parser's
business. The layout, written for the format rather than for one file:

- ``# Kensho - Individual Contributor - Site Reliability Engineering``: the track.
- A first table: one row per area ("Technical Excellence <ul><li>Tools and Tech</li>...")
  listing the area's skills by their canonical names.
- ``## Site Reliability Engineer II``: a level, in order, lowest first.
- ``### Technical Excellence`` (sometimes bold): an area of that level; then a two-column
  table of ``| **Skill** | what it takes |`` rows. Each skill is a responsibility with one
  behavior, the cell's text (several sentences, matched sentence by sentence anyway).
- Levels list only the skills that change: a skill a level does not list keeps the text
  of the level below, so every level's rubric is complete on its own.
- Skill names drift between levels ("Debugging" / "Debugging & Support", "&" / "and"):
  they are mapped to the overview's name when one starts with the other once "&" is
  read as "and", so a skill keeps one id across the track.
"""

from __future__ import annotations

import re
from pathlib import Path

from evidence_matcher.errors import RubricError

from .assemble import AreaBuilder, clean
from .company import Replacement, replace_companies
from .model import Rubric, slugify
from .source import read_source
from .track import Track, TrackLevel

MAX_TRACK_BYTES = 2_000_000


def _inline_text(token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif (
            child.type in ("softbreak", "hardbreak")
            or child.type == "html_inline"
            and re.match(r"<(br|/li|li|ul|/ul|p|/p)\b", child.content, re.IGNORECASE)
        ):
            parts.append(" ")
    return clean("".join(parts))


def _html_list_items(token) -> tuple[str, list[str]]:
    """'Leadership <ul><li>Innovation</li>...' -> ('Leadership', ['Innovation', ...])."""
    head: list[str] = []
    items: list[str] = []
    current: list[str] = []
    in_item = False
    for child in token.children or []:
        if child.type == "html_inline":
            tag = child.content.lower()
            if tag.startswith("<li"):
                in_item, current = True, []
            elif tag.startswith("</li") and in_item:
                items.append(clean("".join(current)))
                in_item = False
            continue
        if child.type == "text":
            (current if in_item else head).append(child.content)
    return clean("".join(head)), [i for i in items if i]


def _key(name: str) -> str:
    return slugify(name.replace("&", " and "))


def _canonical(name: str, known: list[str]) -> str:
    key = _key(name)
    for canon in known:
        if _key(canon) == key:
            return canon
    for canon in known:
        ck = _key(canon)
        if ck.startswith(key + "-") or key.startswith(ck + "-"):
            return canon
    return name


def _tables(tokens):
    """Yield (index of the table_open token, rows of inline tokens) for each table."""
    i = 0
    while i < len(tokens):
        if tokens[i].type == "table_open":
            start = i
            rows: list[list | None] = []
            row: list | None = None
            while tokens[i].type != "table_close":
                t = tokens[i]
                if t.type == "tr_open":
                    row = []
                elif t.type == "inline" and row is not None:
                    row.append(t)
                elif t.type == "tr_close":
                    rows.append(row)
                    row = None
                i += 1
            yield start, rows
        i += 1


def parse_track(
    raw: str, source: str = "track", companies: tuple[Replacement, ...] = (), track_id: str | None = None
) -> tuple[Track, list[Rubric]]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(raw)

    def sub(s: str) -> str:
        return replace_companies(s, companies)

    headings: list[tuple[int, str, str]] = []  # (token index, tag, text)
    for i, t in enumerate(tokens):
        if t.type == "heading_open":
            headings.append((i, t.tag, _inline_text(tokens[i + 1])))
    title = next((text for _, tag, text in headings if tag == "h1"), "")
    if not title:
        raise RubricError(f"{source}: no '# title' heading: not a Kensho career track")
    first_level = next((i for i, tag, _ in headings if tag == "h2"), None)
    if first_level is None:
        raise RubricError(f"{source}: no '## level' headings")

    overview: dict[str, list[str]] = {}  # area -> canonical skill names
    by_area_level: dict[tuple[int, str], list[tuple[str, str]]] = {}
    area_order: list[str] = []
    level_names: list[str] = []
    for start, rows in _tables(tokens):
        before = [h for h in headings if h[0] < start]
        if start < first_level:
            for row in rows:
                if row:
                    area_name, skill_names = _html_list_items(row[0])
                    if area_name and skill_names:
                        overview[area_name] = skill_names
            continue
        level = next(text for _, tag, text in reversed(before) if tag == "h2")
        area = next(
            (
                text
                for i, tag, text in reversed(before)
                if tag == "h3" and i > max(j for j, tg, _ in before if tg == "h2")
            ),
            None,
        )
        if area is None:
            raise RubricError(f"{source}: a table under level {level!r} before any '### area' heading")
        if level not in level_names:
            level_names.append(level)
        if area not in area_order:
            area_order.append(area)
        for row in rows:
            cells = [_inline_text(c) for c in row]
            if len(cells) < 2 or not cells[0] or not cells[1]:
                continue  # the empty header row, or a skill without text
            skill = _canonical(cells[0], overview.get(area, []))
            by_area_level.setdefault((len(level_names) - 1, area), []).append((skill, sub(cells[1])))
    if not level_names:
        raise RubricError(f"{source}: no skill tables under the level headings")

    track_title = sub(title)
    tid = track_id or slugify(Path(source).stem)
    carried: dict[str, dict[str, str]] = {}  # area -> skill -> text, the levels so far
    rubrics = []
    for n, level in enumerate(level_names):
        built = AreaBuilder()
        for area in area_order:
            skills = carried.setdefault(area, {})
            for skill, text in by_area_level.get((n, area), []):
                skills[skill] = text
            ordered = sorted(
                skills,
                key=lambda s: (
                    overview.get(area, []).index(s) if s in overview.get(area, []) else len(overview.get(area, []))
                ),
            )
            built.add(sub(area), "", [built.responsibility(area, sub(skill), [skills[skill]]) for skill in ordered])
        level_title = sub(level)
        rubrics.append(
            Rubric(
                id=slugify(f"{tid} {level_title}"),
                title=level_title,
                role=track_title,
                track=tid,
                level=level_title,
                source=Path(source).name,
                areas=tuple(built.areas),
            )
        )
    track = Track(
        id=tid,
        title=track_title,
        role=track_title,
        levels=tuple(TrackLevel(level=r.level, rubric=f"{r.id}.yaml") for r in rubrics),
    )
    return track, rubrics


def import_track(
    path: Path, companies: tuple[Replacement, ...] = (), track_id: str | None = None
) -> tuple[Track, list[Rubric]]:
    path = Path(path)
    return parse_track(read_source(path, MAX_TRACK_BYTES), path.name, companies, track_id)
