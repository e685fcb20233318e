"""``--from github|jira|slack PATH``: the options that bring exported work records into ``tag``, ``score``
and ``packet``, and what they share: import, report bad records on stderr, write the records as files."""

from __future__ import annotations

from pathlib import Path

import typer

FROM_HELP = (
    "Also read an export: github (the JSON of gh pr list / gh issue list --json ..., or gh api), "
    "jira (its CSV export) or slack (an unzipped workspace export folder). Each record is one dated document."
)
USER_HELP = "With --from: keep only this person's records (Slack messages, GitHub authors, Jira assignee or reporter)."
SITE_HELP = (
    "With --from jira or slack: the site the records live on (https://acme.atlassian.net, https://acme.slack.com), "
    "so each record links to its item."
)
IMPORTS_FOLDER = "sources"  # under --out: the imported records as the files that are scored


def import_records(source: tuple[str, str], user: str | None, site: str | None):
    """The export's records; its bad records and notes as lines on stderr."""
    from evidence_matcher.matcher.sources import load_export

    kind, path = source
    result = load_export(kind, Path(path), user, site)
    for line in result.report_lines():
        typer.echo(f"Warning: {line}", err=True)
    typer.echo(f"imported {len(result.records)} records from {result.source}", err=True)
    return result


def imported_documents(source: tuple[str, str] | None, user: str | None, site: str | None, out: Path) -> list[Path]:
    """The export's records written under ``out/sources/<kind>/`` (the documents scored: citations' offsets
    index into these files), or nothing without ``--from``."""
    from evidence_matcher.errors import EvidenceError
    from evidence_matcher.matcher.sources import write_records

    if source is None:
        if user or site:
            raise EvidenceError("--user and --source-url need --from")
        return []
    result = import_records(source, user, site)
    return write_records(result.records, out / IMPORTS_FOLDER, result.source.stat().st_mtime)
