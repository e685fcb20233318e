"""Rules every importer shares: clean text, recognise notes, number behaviors, unique slugs.

Ids follow the seed's rule: ``<responsibility-slug>.<n>``, n counting from 1 in ladder
order. When two responsibilities of one rubric have the same name (Kensho has
"Collaboration" under two areas), the later one's slug is prefixed with its area's
slug, so ids stay unique and still say where they come from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Area, Behavior, Responsibility, slugify

# "The expectations for code fluency do not go up beyond L3 (...)": a note about the
# ladder, not something a person does. Levels phrase it as "do not go up beyond",
# "do not go beyond" and "do not currently go up beyond".
_NOTE = re.compile(r"^the expectations for .+? do not (?:currently )?go (?:up )?beyond\b", re.IGNORECASE)


def is_note(text: str) -> bool:
    return bool(_NOTE.match(text.strip()))


def clean(text: str) -> str:
    """Collapse whitespace (wrapped lines, non-breaking spaces) to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


class AreaBuilder:
    """Collects one rubric's areas, giving responsibilities unique slugs."""

    def __init__(self) -> None:
        self.areas: list[Area] = []
        self._slugs: set[str] = set()

    def slug_for(self, area_name: str, name: str) -> str:
        slug = slugify(name) or "behaviors"
        if slug in self._slugs:
            slug = f"{slugify(area_name)}-{slug}"
        n = 2
        base = slug
        while slug in self._slugs:
            slug, n = f"{base}-{n}", n + 1
        self._slugs.add(slug)
        return slug

    def responsibility(
        self, area_name: str, name: str, items: Iterable[tuple[str, tuple[str, ...]] | str], description: str = ""
    ) -> Responsibility:
        """``items``: texts, or (text, examples) pairs; notes are recognised by their wording."""
        slug = self.slug_for(area_name, name)
        behaviors = []
        for n, item in enumerate(items, start=1):
            text, examples = (item, ()) if isinstance(item, str) else item
            kind = "note" if is_note(text) else "behavior"
            behaviors.append(
                Behavior(id=f"{slug}.{n}", text=text, kind=kind, examples=examples if kind == "behavior" else ())
            )
        return Responsibility(name=name, slug=slug, description=description, behaviors=tuple(behaviors))

    def add(self, name: str, description: str, responsibilities: Iterable[Responsibility]) -> None:
        resps = tuple(responsibilities)
        if resps:
            self.areas.append(Area(name=name, description=description, responsibilities=resps))
