"""When a document was written, and how that is known.

In order: its YAML front matter's ``date:`` (an imported record's own timestamp is written there, and
is named as such), a dated heading (``## 2025-03-14``, ``## March 2025``: each section of a brag doc
is dated by the heading above it), the file's modification time. The packet says which was used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from evidence_matcher.matcher.frontmatter import read_front_matter

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_MONTH = re.compile(r"\b(\d{4})-(\d{2})\b")
_MONTH_DAY_YEAR = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(\d{4})\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Dated:
    day: date
    how: str  # "front matter", "import (github mergedAt)", "heading", "file modified"


@dataclass
class DocumentDates:
    """A document's date, and the dated headings that date the sections under them."""

    document: Dated
    sections: list[tuple[int, date]] = field(default_factory=list)  # (offset of the heading, its date), in order

    def at(self, offset: int) -> Dated:
        """The date of the text at ``offset``: its section's heading, else the document's."""
        found = None
        for start, day in self.sections:
            if start > offset:
                break
            found = day
        return Dated(found, "heading") if found else self.document


def _valid(year: int, month: int, day: int = 1) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def heading_date(heading: str) -> date | None:
    """The date a heading names (2025-03-14, 2025-03, March 14 2025, 14 March 2025, March 2025), or None."""
    if m := _ISO_DAY.search(heading):
        return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _MONTH_DAY_YEAR.search(heading):
        return _valid(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    if m := _DAY_MONTH_YEAR.search(heading):
        return _valid(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    if m := _MONTH_YEAR.search(heading):
        return _valid(int(m.group(2)), MONTHS[m.group(1).lower()])
    if m := _ISO_MONTH.search(heading):
        return _valid(int(m.group(1)), int(m.group(2)))
    return None


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return heading_date(value)
    return None


def date_document(path: Path, text: str) -> DocumentDates:
    meta = read_front_matter(text)
    day = _as_date(meta.get("date"))
    if day is not None:
        how = "front matter"
        if meta.get("source"):  # an imported record: its own timestamp, named by the export's field
            how = f"import ({meta['source']} {meta.get('date_field') or 'date'})"
        return DocumentDates(Dated(day, how))
    sections = [(m.start(), d) for m in _HEADING.finditer(text) if (d := heading_date(m.group(1))) is not None]
    modified = Dated(datetime.fromtimestamp(Path(path).stat().st_mtime).date(), "file modified")
    if sections:
        return DocumentDates(Dated(sections[0][1], "heading"), sections)
    return DocumentDates(modified)
