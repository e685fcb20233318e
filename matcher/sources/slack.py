"""A Slack workspace export (Settings > Import/export data > Export), unzipped.

The folder holds ``users.json`` (people: ``id, name, real_name, profile {display_name, real_name}``),
``channels.json`` (``id, name``; also ``groups.json``, ``mpims.json``, ``dms.json`` in exports that
include private conversations) and one folder per channel of daily files, ``YYYY-MM-DD.json``, each a
JSON array of messages (``type, subtype, user, text, ts, thread_ts, user_profile``). Each message
a person wrote (``--user``: their id, handle, display or real name) becomes one record. A message
links to ``<workspace>/archives/<channel id>/p<ts without the dot>``; the workspace address is taken
from ``--source-url`` or else from file permalinks in the export.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from evidence_matcher.errors import InputError

from .records import ImportResult, Record, epoch, matches_user, read_export

DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
CONVERSATION_LISTS = ("channels.json", "groups.json", "mpims.json", "dms.json")
SKIPPED_SUBTYPES = {  # messages that are not a person's words: joins, topic changes, bots, tombstones
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "channel_archive",
    "channel_unarchive",
    "group_join",
    "group_leave",
    "bot_message",
    "tombstone",
    "pinned_item",
    "reminder_add",
}
_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_WORKSPACE = re.compile(r"^(https://[a-z0-9-]+\.(?:enterprise\.)?slack\.com)/")


def _load(path: Path) -> object:
    try:
        return json.loads(read_export(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})") from exc


def _people(folder: Path) -> dict[str, tuple[str, ...]]:
    """User id -> every name a person may be known by (handle, display name, real name)."""
    path = folder / "users.json"
    if not path.is_file():
        return {}
    users = _load(path)
    out: dict[str, tuple[str, ...]] = {}
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            profile = user["profile"] if isinstance(user.get("profile"), dict) else {}
            names = (user.get("name"), user.get("real_name"), profile.get("display_name"), profile.get("real_name"))
            out[user["id"]] = tuple(n for n in names if isinstance(n, str) and n)
    return out


def _channel_ids(folder: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in CONVERSATION_LISTS:
        path = folder / name
        conversations = _load(path) if path.is_file() else []
        for c in conversations if isinstance(conversations, list) else []:
            if isinstance(c, dict) and isinstance(c.get("id"), str):
                out[str(c.get("name") or c["id"])] = c["id"]
    return out


def slack_to_markdown(text: str, people: dict[str, tuple[str, ...]]) -> str:
    """Slack's markup as a person reads it: <@U123> as @name, <#C1|ops> as #ops, <url|label> as label."""

    def mention(m: re.Match) -> str:
        sigil, ident, label = m.groups()
        if sigil == "@":
            return "@" + (label or (people.get(ident) or (ident,))[0])
        if sigil == "#":
            return "#" + (label or ident)
        return "@" + (label or ident.split("^")[0])  # <!here>, <!channel>

    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return html.unescape(_MENTION.sub(mention, text))


def _workspace(messages: list[dict]) -> str | None:
    for message in messages:
        for file in message.get("files") or []:
            found = _WORKSPACE.match(str(file.get("permalink", ""))) if isinstance(file, dict) else None
            if found:
                return found.group(1)
    return None


def read_slack(folder: Path, user: str | None = None, site: str | None = None) -> ImportResult:
    if not folder.is_dir():
        raise InputError(
            f"{folder}: give the unzipped Slack export folder (one folder per channel of daily .json files)"
        )
    people = _people(folder)
    ids = _channel_ids(folder)
    result = ImportResult(folder, "messages")
    days = sorted(p for p in folder.glob("*/*.json") if DAY_FILE.match(p.name))
    seen: list[tuple[str, dict]] = []  # (channel, message)
    for day in days:
        where = f"{day.parent.name}/{day.name}"
        try:
            messages = _load(day)
        except InputError as exc:
            result.problems.append(str(exc).replace(str(day), where, 1))
            continue
        if not isinstance(messages, list):
            result.problems.append(f"{where}: not a JSON array of messages")
            continue
        for number, message in enumerate(messages, 1):
            result.total += 1
            if not isinstance(message, dict):
                result.problems.append(f"{where}: message {number}: not a JSON object")
                continue
            if message.get("subtype") in SKIPPED_SUBTYPES or message.get("type", "message") != "message":
                continue
            if not isinstance(message.get("ts"), str) or not re.fullmatch(r"\d+(\.\d+)?", message["ts"]):
                result.problems.append(f"{where}: message {number}: no timestamp (ts)")
                continue
            if not isinstance(message.get("text"), str):
                result.problems.append(f"{where}: message {number}: no text")
                continue
            seen.append((day.parent.name, message))
    if not days:
        raise InputError(f"{folder}: no channel folders of daily .json files: not a Slack export")
    base = site.rstrip("/") if site else _workspace([m for _, m in seen])
    if base is None and seen:
        result.notes.append(f"{folder.name}: no workspace address: give --source-url https://<workspace>.slack.com")
    for channel, message in seen:
        author = message.get("user")
        profile = message["user_profile"] if isinstance(message.get("user_profile"), dict) else {}
        names = (author, *people.get(str(author), ()), profile.get("name"), profile.get("display_name"))
        if not matches_user(user, *names, profile.get("real_name")):
            continue
        text = slack_to_markdown(message["text"], people).strip()
        if not text:
            continue
        ts = message["ts"]
        when = epoch(ts)
        channel_id = ids.get(channel)
        url = None
        if base and channel_id:
            url = f"{base}/archives/{channel_id}/p{ts.replace('.', '')}"
            if message.get("thread_ts") and message.get("thread_ts") != ts:
                url += f"?thread_ts={message['thread_ts']}&cid={channel_id}"
        shown = next((n for n in names[1:] if n), author)
        result.records.append(
            Record(
                kind="slack",
                id=f"#{channel} {ts}",
                title=f"#{channel}, {when:%Y-%m-%d %H:%M} UTC",
                body=text,
                date=when,
                date_field="ts",
                url=url,
                author=str(shown) if shown else None,
                item="message",
            )
        )
    return result
