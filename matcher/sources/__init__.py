"""Work evidence from where work happens: exports a person made of GitHub, Jira and Slack, read offline.

Each importer turns one export into ``Record`` s (one per pull request, issue or message), each a
dated text with a link back to the item. Nothing here reaches a network: the files are the
user's own exports. A malformed export is one ``InputError`` line naming the file and the record;
a partly bad one gives its good records plus one line per bad record; an empty one says so.
"""

from __future__ import annotations

from pathlib import Path

from evidence_matcher.errors import InputError

from .records import ImportResult, Record, document_sources, source_of, write_records

KINDS = ("github", "jira", "slack")

__all__ = ["KINDS", "ImportResult", "Record", "document_sources", "load_export", "source_of", "write_records"]


def load_export(kind: str, path: Path, user: str | None = None, site: str | None = None) -> ImportResult:
    """The records of the export at ``path``: ``kind`` is github, jira or slack; ``user`` keeps one person's
    records (Slack: messages; GitHub: authored items; Jira: issues assigned to, reported or created by them);
    ``site`` is the web address the records live on, for exports that carry no links (Jira, Slack)."""
    path = Path(path).expanduser()
    if kind not in KINDS:
        raise InputError(f"--from must be {', '.join(KINDS)}, not {kind!r}")
    if not path.exists():
        raise InputError(f"not found: {path}")
    if kind == "github":
        from .github import read_github

        result = read_github(path, user)
    elif kind == "jira":
        from .jira import read_jira

        result = read_jira(path, user, site)
    else:
        from .slack import read_slack

        result = read_slack(path, user, site)
    return result.checked()
