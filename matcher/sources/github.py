"""GitHub exports: ``gh pr list --json ...``, ``gh issue list --json ...`` and ``gh api [--paginate]``.

``gh pr/issue list --json`` writes one JSON array of objects with the fields asked for, in camelCase
(``number, title, body, url, mergedAt, createdAt, closedAt, author {login, name, is_bot}, labels
[{name}]``). ``gh api repos/OWNER/REPO/pulls`` (or ``/issues``, ``search/issues``) writes the REST
objects in snake_case (``html_url, merged_at, user {login}``); with ``--paginate`` each page is its
own array, written one after another (``--slurp`` wraps them in one array; a search page is an
object with ``items``). All of these are read here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from evidence_matcher.errors import InputError

from .records import ImportResult, Record, matches_user, parse_timestamp, read_export

# The date a piece of work is dated by, best first: when it landed, then when it was closed or opened.
DATE_FIELDS = (
    ("mergedAt", "merged_at"),
    ("closedAt", "closed_at"),
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
)
_ITEM_URL = re.compile(r"^https?://[^/]+/([^/]+)/([^/]+)/(pull|pulls|issues)/(\d+)")


def json_records(text: str, path: Path) -> tuple[list, str | None]:
    """The items in the file, and where reading stopped if it is malformed (None when it is not).

    Arrays are read element by element, so a file cut off or damaged part way gives its records up to
    that point and names the record where it broke. Several values one after another (``gh api
    --paginate``) are read in turn."""
    decoder = json.JSONDecoder()
    items: list = []
    position = 0

    def skip(at: int) -> int:
        while at < len(text) and text[at].isspace():
            at += 1
        return at

    try:
        while (position := skip(position)) < len(text):
            if text[position] != "[":
                value, position = decoder.raw_decode(text, position)
                items.extend(_items(value))
                continue
            position = skip(position + 1)
            if text[position : position + 1] == "]":
                position += 1
                continue
            while True:
                value, position = decoder.raw_decode(text, position)
                items.extend(_items(value) if isinstance(value, list | dict) and _is_page(value) else [value])
                position = skip(position)
                if text[position : position + 1] == ",":
                    position = skip(position + 1)
                elif text[position : position + 1] == "]":
                    position += 1
                    break
                else:
                    raise json.JSONDecodeError("Expecting ',' or ']' after a record", text, position)
    except json.JSONDecodeError as exc:
        where = f"{path.name}: record {len(items) + 1}"
        return items, f"{where}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"
    return items, None


def _is_page(value) -> bool:
    """A page of items inside an array (``gh api --paginate --slurp``), not an item."""
    return isinstance(value, list) or (isinstance(value, dict) and ("items" in value or "data" in value))


def _items(value) -> list:
    """The pull requests or issues inside one JSON value (a list, a list of pages, a search page, a GraphQL page)."""
    if isinstance(value, list):
        return [item for element in value for item in (_items(element) if _is_page(element) else [element])]
    if isinstance(value, dict):
        if isinstance(value.get("items"), list):  # search/issues
            return value["items"]
        if "data" in value:  # a GraphQL page: the first list of nodes in it
            found = _nodes(value["data"])
            return found if found is not None else []
        return [value]  # one item (gh pr view --json ...)
    return [value]


def _nodes(value) -> list | None:
    if isinstance(value, dict):
        if isinstance(value.get("nodes"), list):
            return value["nodes"]
        if isinstance(value.get("edges"), list):
            return [e.get("node") if isinstance(e, dict) else e for e in value["edges"]]
        for child in value.values():
            found = _nodes(child)
            if found is not None:
                return found
    return None


def _first(item: dict, names: tuple[str, ...]):
    return next((item[n] for n in names if item.get(n) not in (None, "")), None)


def read_github(path: Path, user: str | None = None) -> ImportResult:
    if path.is_dir():
        raise InputError(f"{path} is a folder: give the JSON file gh wrote (gh pr list --json ... > prs.json)")
    items, broken = json_records(read_export(path), path)
    if broken and not items:
        raise InputError(broken.replace(path.name, str(path), 1))
    result = ImportResult(path, "pull requests or issues", total=len(items))
    if broken:
        result.problems.append(f"{broken}; the records after it are not read")
    for number, item in enumerate(items, 1):
        where = f"{path.name}: record {number}"
        if not isinstance(item, dict):
            result.problems.append(f"{where}: not a JSON object but {type(item).__name__}")
            continue
        if item.get("number") is not None:
            where += f" (#{item['number']})"
        title, body = item.get("title"), item.get("body")
        if not isinstance(title, str) or not title.strip():
            result.problems.append(f"{where}: no title")
            continue
        if body is not None and not isinstance(body, str):
            result.problems.append(f"{where}: body is {type(body).__name__}, not text")
            continue
        url = _first(item, ("html_url", "url"))  # REST items' "url" is the API's
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            result.problems.append(f"{where}: no url (ask gh for it: --json ...,url)")
            continue
        author = item.get("author") or item.get("user") or {}
        login = author.get("login") if isinstance(author, dict) else None
        if not matches_user(user, login, author.get("name") if isinstance(author, dict) else None):
            continue
        when, field = None, ""
        for names in DATE_FIELDS:
            value = _first(item, names)
            if value is not None:
                when = parse_timestamp(value)
                if when is None:
                    result.problems.append(f"{where}: {names[0]} is not a timestamp: {str(value)[:40]!r}")
                field = names[0]
                break
        if when is None and field:
            continue
        labels = item.get("labels") or []
        names_ = (
            tuple(str(label.get("name")) if isinstance(label, dict) else str(label) for label in labels if label)
            if isinstance(labels, list)
            else ()
        )
        located = _ITEM_URL.match(url)
        pull = (
            "mergedAt" in item
            or "merged_at" in item
            or "pull_request" in item
            or bool(located and located.group(3).startswith("pull"))
        )
        ident = (
            f"{located.group(1)}/{located.group(2)}#{located.group(4)}" if located else f"#{item.get('number', number)}"
        )
        result.records.append(
            Record(
                kind="github",
                id=ident,
                title=title.strip(),
                body=body or "",
                date=when,
                date_field=field,
                url=url,
                author=login,
                item="pull request" if pull else "issue",
                labels=names_,
            )
        )
    if result.records and all(r.date is None for r in result.records):
        result.notes.append(
            f"{path.name}: no dates in the export (ask gh for mergedAt, closedAt or createdAt): "
            "the export file's date is used"
        )
    return result
