"""Importer for the seed's flattened-table text format.

The seed ladder is an HTML table flattened to text: cells end at a line holding only
``|``, bullet items start at a line holding only ``-``, and wrapped lines continue the
item. The layout is: title and summary; the headers of the top blocks (Scope,
Collaborative Reach, Impact Levers); one bullet cell per top block; then for each area
(Results, Direction, ...) its name (and, for Craft, a description), the column headers
``Responsibility`` / ``Key Behaviors``, and pairs of responsibility-name cell and
bullet cell. The title is repeated as a footer.
"""

from __future__ import annotations

import re
from pathlib import Path

from evidence_matcher.errors import RubricError

from .assemble import is_note
from .model import Area, Behavior, Responsibility, Rubric, slugify
from .source import read_source

MAX_SEED_BYTES = 2_000_000

_COLUMN_HEADERS = {"responsibility", "key behaviors"}


def _cells(raw: str) -> list[list[str]]:
    cells: list[list[str]] = [[]]
    for line in raw.splitlines():
        if line.strip() == "|":
            cells.append([])
        else:
            cells[-1].append(line.strip())
    return [[line for line in cell if line] for cell in cells]


def _join(lines: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


def _is_bullets(cell: list[str]) -> bool:
    return bool(cell) and cell[0] == "-"


def _items(cell: list[str]) -> list[str]:
    items: list[list[str]] = []
    for line in cell:
        if line == "-":
            items.append([])
        else:
            items[-1].append(line)
    return [_join(item) for item in items if item]


def _behaviors(slug: str, items: list[str]) -> tuple[Behavior, ...]:
    return tuple(
        Behavior(id=f"{slug}.{n}", text=text, kind="note" if is_note(text) else "behavior")
        for n, text in enumerate(items, start=1)
    )


def parse_seed(raw: str, rubric_id: str, source: str = "") -> Rubric:
    cells = _cells(raw)
    if not cells or not cells[0]:
        raise ValueError("seed text is empty")
    title, summary = cells[0][0], _join(cells[0][1:])
    rest = cells[1:]

    # Top blocks: header cells until the first bullet cell, then one bullet cell each.
    headers: list[list[str]] = []
    while rest and rest[0] and not _is_bullets(rest[0]):
        headers.append(rest.pop(0))
    areas: list[Area] = []
    for header in headers:
        if not rest or not _is_bullets(rest[0]):
            raise ValueError(f"top block {header[0]!r} has no bullet cell")
        name = header[0]
        resp = Responsibility(name=name, slug=slugify(name), behaviors=_behaviors(slugify(name), _items(rest.pop(0))))
        areas.append(Area(name=name, description=_join(header[1:]), responsibilities=(resp,)))

    # Areas: a name cell is followed by the column headers; a responsibility cell by bullets.
    cells_left = [c for c in rest if c and c[0].lower() not in _COLUMN_HEADERS]
    if cells_left and _join(cells_left[-1]) == title:
        cells_left.pop()  # footer repeats the title
    resps: list[Responsibility] = []
    area_name, area_desc = None, ""
    i = 0
    while i < len(cells_left):
        cell = cells_left[i]
        following = cells_left[i + 1] if i + 1 < len(cells_left) else None
        if following is not None and _is_bullets(following) and len(cell) == 1:
            if area_name is None:
                raise ValueError(f"responsibility {cell[0]!r} comes before any area")
            slug = slugify(cell[0])
            resps.append(Responsibility(name=cell[0], slug=slug, behaviors=_behaviors(slug, _items(following))))
            i += 2
            continue
        if _is_bullets(cell):
            raise ValueError(f"bullet cell without a responsibility: {_join(cell)[:60]!r}")
        if area_name is not None:
            areas.append(Area(name=area_name, description=area_desc, responsibilities=tuple(resps)))
        area_name, area_desc, resps = cell[0], _join(cell[1:]), []
        i += 1
    if area_name is not None:
        areas.append(Area(name=area_name, description=area_desc, responsibilities=tuple(resps)))

    level, _, role = title.partition(" ")
    return Rubric(id=rubric_id, title=title, role=role, level=level, summary=summary, source=source, areas=tuple(areas))


def import_seed_file(path: Path, rubric_id: str | None = None) -> Rubric:
    """The seed ladder at ``path`` as a Rubric (id from the title when not given)."""
    path = Path(path)
    raw = read_source(path, MAX_SEED_BYTES)
    first = raw.strip().splitlines()[0] if raw.strip() else ""
    try:
        return parse_seed(raw, rubric_id or slugify(first), source=path.name)
    except ValueError as exc:
        raise RubricError(f"{path}: {exc}") from exc
