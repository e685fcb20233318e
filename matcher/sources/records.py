"""A record of work (a pull request, an issue, a message) as a dated document with a link back to it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from evidence_matcher.errors import InputError
from evidence_matcher.matcher.frontmatter import read_front_matter, render_front_matter
from evidence_matcher.matcher.result import SourceRef

MAX_EXPORT_BYTES = 200_000_000  # a year of a busy Slack workspace's channels is far less
SHOWN_PROBLEMS = 20  # the lines a partly bad export reports; past this, a count


@dataclass(frozen=True)
class Record:
    kind: str  # github | jira | slack
    id: str  # as its tool names it: acme/api#412, OPS-7, #incidents 1710412345.000200
    title: str
    body: str  # markdown
    date: datetime | None
    date_field: str  # the export's field the date came from (mergedAt, Resolved, ts), "" when undated
    url: str | None
    author: str | None = None
    item: str = ""  # what it is: pull request, issue, message
    labels: tuple[str, ...] = ()

    def ref(self) -> SourceRef:
        return SourceRef(
            kind=self.kind,
            id=self.id,
            title=self.title,
            url=self.url,
            date=self.date.isoformat() if self.date else None,
        )

    def text(self) -> str:
        """The document: front matter (where it came from, when, the link), the title as a heading, the body.

        The segmenter skips front matter and headings, so only the body's sentences can be cited."""
        meta = render_front_matter(
            {
                "title": self.title,
                "source": self.kind,
                "item": self.item,
                "id": self.id,
                "link": self.url,
                "date": self.date.isoformat() if self.date else None,
                "date_field": self.date_field,
                "author": self.author,
                "labels": list(self.labels),
            }
        )
        heading = " ".join(self.title.split()) or self.id
        return f"{meta}\n# {heading}\n\n{self.body.strip()}\n"

    def file_name(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.id).strip("-")[:100] or "record"
        return f"{slug}.md"


@dataclass
class ImportResult:
    source: Path
    what: str  # "pull requests and issues", "issues", "messages": what an empty export lacks
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per bad record, naming the file and the record
    notes: list[str] = field(default_factory=list)  # what the user may want to know (links missing, filtered out)
    total: int = 0  # records seen, good or bad, before the --user filter

    def checked(self) -> ImportResult:
        """Itself, or the one-line error for an export with nothing usable."""
        if not self.records and not self.problems:
            if self.total:
                raise InputError(f"{self.source}: none of its {self.total} {self.what} is by the --user given")
            raise InputError(f"{self.source}: the export is empty (no {self.what})")
        if not self.records:
            first = self.problems[0]
            more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
            raise InputError(f"no usable records: {first}{more}")
        return self

    def report_lines(self) -> list[str]:
        lines = self.problems[:SHOWN_PROBLEMS]
        if len(self.problems) > SHOWN_PROBLEMS:
            lines.append(f"{self.source}: {len(self.problems) - SHOWN_PROBLEMS} more bad records")
        return [*lines, *self.notes]


def read_export(path: Path) -> str:
    """The export's text (UTF-8), size-limited."""
    size = path.stat().st_size
    if size > MAX_EXPORT_BYTES:
        raise InputError(f"{path}: {size:,} bytes is over the {MAX_EXPORT_BYTES:,}-byte limit")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp or date (as exports write them), or None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def epoch(value: str) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)


def write_records(records: list[Record], folder: Path, mtime: float | None = None) -> list[Path]:
    """Each record as ``folder/<kind>/<id>.md``: the documents that are scored, so citations' offsets index into
    files a person can open. A file whose text is unchanged is left alone; an undated record's file gets
    ``mtime`` (the export's), the date a person gave the export by making it."""
    paths = []
    for record in records:
        path = Path(folder) / record.kind / record.file_name()
        text = record.text()
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        stamp = record.date.timestamp() if record.date else mtime
        if stamp is not None:
            os.utime(path, (stamp, stamp))
        paths.append(path.resolve())
    return paths


def source_of(text: str) -> SourceRef | None:
    """The source named by a document's front matter: an imported record's (``source:``), or any file's ``link:``."""
    meta = read_front_matter(text)
    link = meta.get("link") or meta.get("url")
    if not meta.get("source") and not link:
        return None
    when = meta.get("date")
    return SourceRef(
        kind=str(meta.get("source") or "document"),
        id=str(meta.get("id") or meta.get("title") or ""),
        title=str(meta.get("title") or ""),
        url=str(link) if link else None,
        date=when.isoformat() if isinstance(when, date | datetime) else (str(when) if when else None),
    )


def matches_user(user: str | None, *names: object) -> bool:
    """Whether any of ``names`` is ``user`` (case-insensitive; a leading @ ignored). No user: everyone."""
    if not user:
        return True
    wanted = user.strip().lstrip("@").casefold()
    return any(isinstance(n, str) and n.strip().lstrip("@").casefold() == wanted for n in names)


def document_sources(paths: list[Path]) -> dict[Path, SourceRef]:
    """The source each text document's front matter names (imported records, files with a ``link:``)."""
    out: dict[Path, SourceRef] = {}
    for path in paths:
        if path.suffix.lower() not in {".md", ".markdown", ".txt"}:
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(24_000).decode("utf-8-sig", errors="replace")
        except OSError:
            continue  # reported by the scoring run, which reads it too
        source = source_of(head)
        if source is not None:
            out[path] = source
    return out
