"""Importer for a plain list: one behavior (or skill label) per line.

Blank lines and lines starting with ``#`` are skipped. Every line becomes a behavior
``<section-slug>.<n>`` in a single area, in file order. This is how a flat taxonomy such
as the 13,896 ESCO skill labels becomes a rubric.
"""

from __future__ import annotations

from pathlib import Path

from evidence_matcher.errors import RubricError

from .model import Area, Behavior, Responsibility, Rubric, slugify
from .source import read_source

MAX_LIST_BYTES = 20_000_000


def parse_list(raw: str, rubric_id: str, title: str, section: str = "Behaviors", source: str = "") -> Rubric:
    lines = [line.strip() for line in raw.splitlines()]
    texts = [line for line in lines if line and not line.startswith("#")]
    if not texts:
        raise RubricError(f"{source or 'list'}: no behaviors (one per line expected)")
    slug = slugify(section)
    behaviors = tuple(Behavior(id=f"{slug}.{n}", text=text) for n, text in enumerate(texts, start=1))
    area = Area(name=section, responsibilities=(Responsibility(name=section, slug=slug, behaviors=behaviors),))
    return Rubric(id=rubric_id, title=title, source=source, areas=(area,))


def import_list_file(
    path: Path, rubric_id: str | None = None, title: str | None = None, section: str = "Behaviors"
) -> Rubric:
    path = Path(path)
    raw = read_source(path, MAX_LIST_BYTES)
    return parse_list(raw, rubric_id or slugify(path.stem), title or path.stem, section, path.name)
