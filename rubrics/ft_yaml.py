"""Importer for the Financial Times engineering-progression job families (YAML).

A job family has ``levels`` (id, name), ``themes`` (id, name, summary) and
``competencies`` (id, level, theme, summary, proficiency, and in legacy files
``examples``). Each level becomes a rubric whose areas are the themes, in the family's
theme order, each with one responsibility of the same name. Written for the format:

- Read with ``yaml.safe_load`` and checked against the fields the repository's own schema
  (test/schema/job-family.json) defines: unknown keys, or competencies naming a level or
  theme the family does not define, are errors that say which competency.
- A summary written as a numbered list ("1. Writes ... 2. Leads ...") is one behavior per
  item; otherwise the summary is one behavior, as a ladder bullet of several sentences is.
- Legacy ``examples`` become the behavior's examples (they are how people write it).
- Levels named "... (Individual Contributor)" / "... (People Manager)" are two branches
  of one family: the family becomes one track per branch, each holding the shared levels
  (those without a branch) and its own, in the family's order.
- Competencies are in the third person ("Provides ..."): they are matched as written (measured:
  no loss against first-person text, see README "Bringing your own ladder").
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from evidence_matcher.errors import RubricError

from .assemble import AreaBuilder, clean
from .company import Replacement, replace_companies
from .model import Rubric, slugify
from .source import read_source
from .track import Track, TrackLevel

MAX_FAMILY_BYTES = 2_000_000
_FAMILY_KEYS = {"name", "summary", "googleSheetId", "isLegacy", "levels", "themes", "competencies"}
_LEVEL_KEYS = {"id", "name"}
_THEME_KEYS = {"id", "name", "summary"}
_COMPETENCY_KEYS = {"id", "level", "theme", "summary", "proficiency", "examples", "supportingUrls"}
_NUMBERED = re.compile(r"(?:^|\s)(\d{1,2})[.)]\s+")
_BRANCH = re.compile(r"^(?P<base>.+?)\s*\((?P<branch>[^()]+)\)\s*$")


def _check(obj, keys: set[str], required: set[str], where: str, source: str) -> dict:
    if not isinstance(obj, dict):
        raise RubricError(f"{source}: {where}: expected a mapping, got {type(obj).__name__}")
    unknown = sorted(set(obj) - keys)
    if unknown:
        raise RubricError(f"{source}: {where}: unknown field {unknown[0]!r} (known: {', '.join(sorted(keys))})")
    missing = sorted(k for k in required if not obj.get(k))
    if missing:
        raise RubricError(f"{source}: {where}: missing or empty {missing[0]!r}")
    return obj


def split_numbered(summary: str) -> list[str]:
    """'1. Writes code. 2. Reviews code.' -> ['Writes code.', 'Reviews code.']; else [summary]."""
    text = clean(summary)
    marks = list(_NUMBERED.finditer(text))
    numbers = [int(m.group(1)) for m in marks]
    if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)) or marks[0].start() != 0:
        return [text] if text else []
    bounds = [m.start() for m in marks[1:]] + [len(text)]
    return [clean(text[m.end() : end]) for m, end in zip(marks, bounds, strict=True) if clean(text[m.end() : end])]


def _branches(levels: list[dict]) -> dict[str, list[dict]]:
    """Branch name -> the family's levels on that branch, in order ('' when there are none)."""
    named = {lvl["id"]: _BRANCH.match(lvl["name"]) for lvl in levels}
    branches = sorted(
        {m.group("branch") for m in named.values() if m},
        key=lambda b: [m.group("branch") for m in named.values() if m].index(b),
    )
    if not branches:
        return {"": levels}
    return {b: [lvl for lvl in levels if not (m := named[lvl["id"]]) or m.group("branch") == b] for b in branches}


def parse_family(
    raw: str, source: str = "job family", companies: tuple[Replacement, ...] = (), track_id: str | None = None
) -> list[tuple[Track, list[Rubric]]]:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise RubricError(f"{source}: not valid YAML: {str(exc).splitlines()[0]}") from exc
    fam = _check(data, _FAMILY_KEYS, {"name", "levels", "themes", "competencies"}, "(top level)", source)

    def sub(s: object) -> str:
        return replace_companies(clean(str(s)), companies)

    levels = [_check(lvl, _LEVEL_KEYS, _LEVEL_KEYS, f"levels[{i}]", source) for i, lvl in enumerate(fam["levels"])]
    themes = [_check(t, _THEME_KEYS, {"id", "name"}, f"themes[{i}]", source) for i, t in enumerate(fam["themes"])]
    level_ids, theme_ids = [str(lvl["id"]) for lvl in levels], [str(t["id"]) for t in themes]
    for kind, ids in (("level", level_ids), ("theme", theme_ids)):
        if len(set(ids)) != len(ids):
            raise RubricError(f"{source}: {kind} id {next(i for i in ids if ids.count(i) > 1)!r} is defined twice")
    by_cell: dict[tuple[str, str], list[dict]] = {}
    for i, comp in enumerate(fam["competencies"]):
        comp = _check(comp, _COMPETENCY_KEYS, {"level", "theme", "summary"}, f"competencies[{i}]", source)
        where = f"competencies[{i}] (id {comp.get('id', '?')})"
        if str(comp["level"]) not in level_ids:
            raise RubricError(f"{source}: {where}: unknown level {comp['level']!r} (levels: {', '.join(level_ids)})")
        if str(comp["theme"]) not in theme_ids:
            raise RubricError(f"{source}: {where}: unknown theme {comp['theme']!r} (themes: {', '.join(theme_ids)})")
        by_cell.setdefault((str(comp["level"]), str(comp["theme"])), []).append(comp)

    family = sub(fam["name"])
    tracks = []
    for branch, branch_levels in _branches(levels).items():
        tid = track_id or slugify(f"{family} {branch}")
        if track_id and branch:
            tid = slugify(f"{track_id} {branch}")
        rubrics = []
        for lvl in branch_levels:
            built = AreaBuilder()
            for theme in themes:
                items = []
                for comp in by_cell.get((str(lvl["id"]), str(theme["id"])), []):
                    examples = tuple(sub(e) for e in comp.get("examples") or () if clean(str(e)))
                    parts = split_numbered(sub(comp["summary"]))
                    items += [(text, examples if len(parts) == 1 else ()) for text in parts]
                if items:
                    name = sub(theme["name"])
                    built.add(name, sub(theme.get("summary") or ""), [built.responsibility(name, name, items)])
            if not built.areas:
                continue  # a level with no competencies in this file
            title = sub(lvl["name"])
            rubrics.append(
                Rubric(
                    id=slugify(f"{tid} {lvl['id']}"),
                    title=title,
                    role=family,
                    track=tid,
                    level=str(lvl["id"]),
                    summary=sub(fam.get("summary") or ""),
                    source=source,
                    areas=tuple(built.areas),
                )
            )
        if not rubrics:
            raise RubricError(f"{source}: no competencies for any level of {family!r}")
        title = f"{family} ({branch})" if branch else family
        track = Track(
            id=tid,
            title=title,
            role=family,
            levels=tuple(TrackLevel(level=r.level, rubric=f"{r.id}.yaml") for r in rubrics),
        )
        tracks.append((track, rubrics))
    return tracks


def import_family(
    path: Path, companies: tuple[Replacement, ...] = (), track_id: str | None = None
) -> list[tuple[Track, list[Rubric]]]:
    path = Path(path)
    return parse_family(read_source(path, MAX_FAMILY_BYTES), path.name, companies, track_id)
