"""Jira's CSV export (Filters > Export > CSV, all fields or current fields).

One row per issue under a header of display names: ``Summary, Issue key, Issue id, Issue Type,
Status, ..., Assignee, Reporter, Creator, Created, Updated, Resolved, ..., Description, ...``.
A field with several values repeats its column (``Labels,Labels``, ``Comment,Comment``); a comment
cell is ``<date>;<author>;<text>``. Dates are written in the exporting user's format, by default
``14/Mar/25 10:23 AM``. The export has no link to the issue: give the site (``--source-url
https://acme.atlassian.net``) and each issue links to ``<site>/browse/<key>``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from evidence_matcher.errors import InputError

from .records import ImportResult, Record, matches_user, parse_timestamp, read_export

DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",  # Jira's default: 14/Mar/25 10:23 AM
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
)
DATE_COLUMNS = ("Resolved", "Created")  # when the work was done, else when it was asked for
_HEADING = re.compile(r"^h([1-6])\.\s+", re.MULTILINE)
_BLOCK = re.compile(r"\{(code|noformat)(?::[^}]*)?\}")


def parse_jira_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return parse_timestamp(value)


def wiki_to_markdown(text: str) -> str:
    """Jira wiki markup's headings and code blocks as Markdown, so the segmenter skips them as it does
    Markdown's; the rest (``*bold*``, ``_italic_``, lists with ``*``) reads as it is."""
    text = _HEADING.sub(lambda m: "#" * int(m.group(1)) + " ", text.replace("\r\n", "\n"))
    return _BLOCK.sub("```", text)


def read_jira(path: Path, user: str | None = None, site: str | None = None) -> ImportResult:
    if path.is_dir():
        raise InputError(f"{path} is a folder: give the CSV file Jira exported")
    reader = csv.reader(io.StringIO(read_export(path), newline=""), strict=True)
    rows: list[list[str]] = []
    broken = None
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
    except csv.Error as exc:  # the rest of the file cannot be read: keep the records before it
        broken = f"{path.name}: record {max(1, len(rows))} (line {reader.line_num}): not readable CSV ({exc})"
    if broken and len(rows) < 2:
        raise InputError(broken.replace(path.name, str(path), 1))
    result = ImportResult(path, "issues", total=max(0, len(rows) - 1))
    if broken:
        result.problems.append(f"{broken}; the records after it are not read")
    if not rows:
        return result
    header = [name.strip() for name in rows[0]]
    columns: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        columns.setdefault(name.casefold(), []).append(i)
    if "issue key" not in columns or "summary" not in columns:
        raise InputError(f"{path}: not a Jira CSV export (its header has no 'Issue key' and 'Summary' columns)")
    base = site.rstrip("/") if site else None
    if base is None and len(rows) > 1:
        result.notes.append(f"{path.name}: Jira's CSV has no links: give --source-url https://<site> to link issues")

    for number, row in enumerate(rows[1:], 1):

        def cells(name: str, row: list[str] = row) -> list[str]:
            return [row[i].strip() for i in columns.get(name.casefold(), []) if i < len(row) and row[i].strip()]

        def cell(name: str) -> str:
            found = cells(name)
            return found[0] if found else ""

        key = cell("Issue key")
        where = f"{path.name}: record {number}" + (f" ({key})" if key else "")
        if len(row) != len(header):
            result.problems.append(f"{where}: {len(row)} cells under a header of {len(header)} columns")
            continue
        if not key or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*-\d+", key):
            result.problems.append(f"{where}: no issue key")
            continue
        summary = cell("Summary")
        if not summary:
            result.problems.append(f"{where}: no summary")
            continue
        people = (cell("Assignee"), cell("Reporter"), cell("Creator"))
        if not matches_user(user, *people):
            continue
        when, field = None, ""
        for column in DATE_COLUMNS:
            value = cell(column)
            if value:
                when, field = parse_jira_date(value), column
                if when is None:
                    result.problems.append(f"{where}: {column} is not a date Jira writes: {value[:40]!r}")
                break
        if field and when is None:
            continue
        parts = [wiki_to_markdown(cell("Description"))]
        for comment in cells("Comment"):
            _, _, rest = comment.partition(";")  # <date>;<author>;<text>
            author, _, said = rest.partition(";")
            if said and matches_user(user, author):
                parts.append(wiki_to_markdown(said))
            elif not said and not user:
                parts.append(wiki_to_markdown(comment))
        result.records.append(
            Record(
                kind="jira",
                id=key,
                title=summary,
                body="\n\n".join(p for p in parts if p.strip()),
                date=when,
                date_field=field,
                url=f"{base}/browse/{key}" if base else None,
                author=people[0] or people[1] or None,
                item=(cell("Issue Type") or "issue").lower(),
                labels=tuple(cells("Labels")),
            )
        )
    return result
